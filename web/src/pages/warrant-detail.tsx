/** One warrant: its fields, the acts its status allows (approve, refuse, execute, review) and its results. */
import { useState } from 'react';
import { post } from '../api';
import { cellText } from '../ui/data-table';
import { Area, Choice } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

type W = Record<string, unknown> & { id: number; status: string };

function Acts({ w, onDone }: { w: W; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [review, setReview] = useState('approved');
  const [done, setDone] = useState('');
  const { busy, error, run } = useAction();
  const act = async (name: string, body: Record<string, unknown> = {}) => {
    if (await run(() => post(`/api/warrants/${w.id}/${name}`, body))) {
      setDone(`Done: ${name}.`);
      onDone();
    }
  };
  return (
    <section aria-labelledby="wacts-h" className="card">
      <h2 id="wacts-h">Acts</h2>
      <Area label="Reason or note (required to refuse)" value={reason} onChange={setReason} rows={2} />
      <div className="row">
        {w.status === 'requested' ? (
          <>
            <button type="button" disabled={busy} onClick={() => act('approve', reason ? { reason } : {})}>
              Approve (judge)
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy || reason === ''}
              onClick={() => act('refuse', { reason })}
            >
              Refuse
            </button>
          </>
        ) : null}
        {w.status === 'approved' || (w.status === 'requested' && w.urgency === 'urgent') ? (
          <button type="button" disabled={busy} onClick={() => act('execute')}>
            Execute the query
          </button>
        ) : null}
      </div>
      {w.status === 'executed' && w.urgency === 'urgent' && !w.decision ? (
        <div className="row filters">
          <Choice
            label="Review decision"
            value={review}
            onChange={setReview}
            options={['approved', 'refused']}
          />
          <button
            type="button"
            disabled={busy}
            onClick={() => act('review', reason ? { outcome: review, reason } : { outcome: review })}
          >
            Record review
          </button>
        </div>
      ) : null}
      {w.status === 'executed' && w.notifyDue && !w.notifiedAt ? (
        <div className="row">
          <button
            type="button"
            disabled={busy}
            onClick={() => act('notified', reason ? { note: reason } : {})}
          >
            Record that the person was notified
          </button>
        </div>
      ) : null}
      {busy ? <Busy label="Working…" /> : null}
      <p role="status" aria-live="polite">
        {done}
      </p>
      {error ? <ErrorBox error={error} what="act on the warrant" /> : null}
    </section>
  );
}

/** The warrant page. */
export function WarrantDetail({ id }: { id: string; sub?: string }) {
  const res = useApi<{ warrant?: W } & Partial<W>>(`/api/warrants/${encodeURIComponent(id)}`);
  return (
    <Loaded res={res} what={`warrant ${id}`}>
      {(d) => {
        const w = (d.warrant ?? d) as W;
        return (
          <div className="stack">
            <h1>
              Warrant {w.id} <span className="badge">{w.status}</span>
            </h1>
            <dl className="facts">
              {Object.entries(w).map(([k, v]) => (
                <div key={k} className="fact">
                  <dt>{k}</dt>
                  <dd>{cellText(k, v)}</dd>
                </div>
              ))}
            </dl>
            <Acts w={w} onDone={res.reload} />
            {w.status === 'executed' ? (
              <section aria-labelledby="res-h">
                <h2 id="res-h">Results</h2>
                <p>
                  Download: <a href={`/api/warrants/${w.id}/results?format=json`}>JSON</a> ·{' '}
                  <a href={`/api/warrants/${w.id}/results?format=csv`}>CSV</a> (each download is audited).
                </p>
              </section>
            ) : null}
          </div>
        );
      }}
    </Loaded>
  );
}
