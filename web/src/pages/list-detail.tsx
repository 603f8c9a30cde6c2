/**
 * One list: upload a new version with a dry-run preview first (added, removed, errors by line),
 * then save it; its versions, the diff between two, and attaching it to a draft order.
 */
import { type ChangeEvent, useId, useState } from 'react';
import { post, query } from '../api';
import { href } from '../route';
import type { ListInfo, Order, Preview } from '../types';
import { Area, Choice, Field } from '../ui/field';
import { keyed } from '../ui/keys';
import { Busy, ErrorBox, Loaded, when } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';
import { FORMATS } from './lists';

const SHOW = 200;

function Names({ title, items }: { title: string; items: unknown[] }) {
  return (
    <details open={items.length > 0 && items.length <= 20}>
      <summary>
        {title}: {items.length.toLocaleString()}
      </summary>
      <ul className="mono">
        {keyed(items.slice(0, SHOW).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))).map(
          ([k, x]) => (
            <li key={k}>{x}</li>
          ),
        )}
      </ul>
      {items.length > SHOW ? <p className="note">First {SHOW} shown.</p> : null}
    </details>
  );
}

/** Added, removed and errors: the preview of a version or the diff between two. */
export function Changes({ p }: { p: Partial<Preview> }) {
  const errors = p.errors ?? [];
  return (
    <div className="stack" data-testid="preview">
      <Names title="Added" items={p.added ?? []} />
      <Names title="Removed" items={p.removed ?? []} />
      {errors.length > 0 ? (
        <div className="scroll">
          <table>
            <caption>
              {errors.length} {errors.length === 1 ? 'line' : 'lines'} not understood
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {keyed(errors.slice(0, SHOW).map((e) => `${e.line}\t${e.message}`)).map(([k, text]) => {
                const [line, message] = text.split('\t');
                return (
                  <tr key={k}>
                    <td>{line}</td>
                    <td>{message}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="note">No errors.</p>
      )}
    </div>
  );
}

function Upload({ list, onSaved }: { list: ListInfo; onSaved: () => void }) {
  const fileId = useId();
  const [body, setBody] = useState('');
  const [sourceName, setSourceName] = useState('');
  const [format, setFormat] = useState(list.format);
  const [preview, setPreview] = useState<Preview>();
  const [saved, setSaved] = useState('');
  const { busy, error, run } = useAction();
  const path = `/api/lists/${list.id}/versions`;

  const pick = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setBody(await file.text());
    setSourceName(file.name);
    setPreview(undefined);
  };
  const dryRun = async () => {
    setSaved('');
    const out = await run(() =>
      post<{ preview: Preview }>(path, { body, format, sourceName: sourceName || undefined, dryRun: true }),
    );
    if (out) setPreview(out.preview);
  };
  const save = async () => {
    const out = await run(() =>
      post<{ version: unknown }>(path, { body, format, sourceName: sourceName || undefined }),
    );
    if (out) {
      setSaved('Version saved.');
      setPreview(undefined);
      onSaved();
    }
  };

  return (
    <section className="card" aria-labelledby="upload-h">
      <h2 id="upload-h">Upload a new version</h2>
      <div className="field">
        <label htmlFor={fileId}>File</label>
        <input id={fileId} type="file" accept=".txt,.csv,.zone,.rpz,.hosts,text/*" onChange={pick} />
      </div>
      <Area
        label="Or paste the contents"
        name="listBody"
        value={body}
        onChange={(v) => {
          setBody(v);
          setPreview(undefined);
        }}
        rows={8}
      />
      <Choice label="Format" name="uploadFormat" value={format} onChange={setFormat} options={FORMATS} />
      <div className="row">
        <button type="button" onClick={dryRun} disabled={busy || body === ''}>
          Preview changes
        </button>
        <button type="button" onClick={save} disabled={busy || !preview}>
          Save this version
        </button>
      </div>
      {!preview && body !== '' ? <p className="note">Preview the changes before saving.</p> : null}
      {busy ? <Busy label="Working…" /> : null}
      <p role="status" aria-live="polite">
        {saved}
      </p>
      {error ? <ErrorBox error={error} what="read the list" /> : null}
      {preview ? (
        <section aria-labelledby="preview-h" aria-live="polite">
          <h3 id="preview-h">Preview (nothing saved yet)</h3>
          <Changes p={preview} />
        </section>
      ) : null}
    </section>
  );
}

function Versions({ list, tick }: { list: ListInfo; tick: number }) {
  const res = useApi<{ versions: Record<string, unknown>[] }>(`/api/lists/${list.id}/versions?t=${tick}`);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [diffPath, setDiffPath] = useState<string | null>(null);
  const diff = useApi<{ diff?: Preview } & Partial<Preview>>(diffPath);
  return (
    <section aria-labelledby="versions-h">
      <h2 id="versions-h">Versions</h2>
      <Loaded res={res} what="versions">
        {(d) =>
          (d.versions ?? []).length === 0 ? (
            <p className="note">No versions yet: upload one above.</p>
          ) : (
            <ul>
              {(d.versions ?? []).map((v, i) => (
                <li key={String(v.version ?? i)}>
                  Version {String(v.version ?? i + 1)}
                  {typeof v.createdAt === 'number' ? `, ${when(v.createdAt)}` : ''}
                  {v.createdBy ? ` by ${String(v.createdBy)}` : ''}
                  {v.ruleCount !== undefined ? `, ${String(v.ruleCount)} rules` : ''}
                  {v.sourceName ? ` (${String(v.sourceName)})` : ''}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <div className="row filters">
        <Field label="From version" type="number" value={a} onChange={setA} />
        <Field label="To version" type="number" value={b} onChange={setB} />
        <button
          type="button"
          disabled={a === '' || b === ''}
          onClick={() => setDiffPath(`/api/lists/${list.id}/diff${query({ a, b })}`)}
        >
          Show diff
        </button>
      </div>
      {diffPath ? (
        <Loaded res={diff} what="the diff">
          {(d) => <Changes p={d.diff ?? d} />}
        </Loaded>
      ) : null}
    </section>
  );
}

function Attach({ list }: { list: ListInfo }) {
  const drafts = useApi<{ orders: Order[] }>('/api/orders?status=draft');
  const [orderId, setOrderId] = useState('');
  const [done, setDone] = useState('');
  const { busy, error, run } = useAction();
  const attach = async () => {
    if (await run(() => post(`/api/orders/${orderId}/lists`, { listId: list.id })))
      setDone(`Attached to order ${orderId}.`);
  };
  return (
    <section aria-labelledby="attach-h">
      <h2 id="attach-h">Attach to a draft order</h2>
      <Loaded res={drafts} what="draft orders">
        {(d) =>
          d.orders.length === 0 ? (
            <p className="note">
              No draft orders. <a href={href('/orders/new')}>Create one</a> and leave it unsubmitted.
            </p>
          ) : (
            <div className="row filters">
              <Choice
                label="Draft order"
                value={orderId}
                onChange={setOrderId}
                options={[
                  ['', 'choose…'],
                  ...d.orders.map((o) => [String(o.id), `${o.id}: ${o.title}`] as [string, string]),
                ]}
              />
              <button type="button" onClick={attach} disabled={busy || orderId === ''}>
                Attach latest version
              </button>
            </div>
          )
        }
      </Loaded>
      <p role="status" aria-live="polite">
        {done}
      </p>
      {error ? <ErrorBox error={error} what="attach the list" /> : null}
    </section>
  );
}

/** The list page. */
export function ListDetail({ id }: { id: string }) {
  const lists = useApi<{ lists: ListInfo[] }>('/api/lists');
  const [tick, setTick] = useState(0);
  return (
    <Loaded res={lists} what="the list">
      {(d) => {
        const list = d.lists.find((l) => String(l.id) === id);
        if (!list) return <p role="alert">There is no list {id}.</p>;
        return (
          <div className="stack">
            <h1>
              List {list.id}: {list.name} <small>({list.format})</small>
            </h1>
            <Upload list={list} onSaved={() => setTick((t) => t + 1)} />
            <Versions list={list} tick={tick} />
            <Attach list={list} />
          </div>
        );
      }}
    </Loaded>
  );
}
