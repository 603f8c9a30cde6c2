/**
 * Creating an order with every field of the model (src/policy/order-input.ts validateOrderInput).
 * The server validates and reports every problem at once; they are shown as they come.
 */
import { type FormEvent, useId, useState } from 'react';
import { post } from '../api';
import { navigate } from '../route';
import type { Order } from '../types';
import { Area, Choice, Field, Group } from '../ui/field';
import { Busy, ErrorBox } from '../ui/status';
import { useAction } from '../ui/use-api';
import { ClassChoice } from './order-class';

const DAY = 86_400_000;
const local = (ms: number): string => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
const lines = (s: string): string[] =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
const names = (s: string): string[] =>
  s
    .split(/[,\s]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The form's state, all strings, as typed. */
interface Draft {
  title: string;
  authorityName: string;
  authorityKind: string;
  instrument: string;
  article: string;
  decisionRef: string;
  scopeKind: string;
  scopeNames: string;
  actionKind: string;
  bytesPerSecond: string;
  infoCode: string;
  dnsAnswer: string;
  notice: string;
  appeal: string;
  notBefore: string;
  expiresAt: string;
  isPublic: boolean;
  targets: string;
  submit: boolean;
}

function initial(): Draft {
  const now = Date.now();
  return {
    title: '',
    authorityName: '',
    authorityKind: 'court',
    instrument: '',
    article: '',
    decisionRef: '',
    scopeKind: 'national',
    scopeNames: '',
    actionKind: 'block',
    bytesPerSecond: '65536',
    infoCode: '',
    dnsAnswer: 'nxdomain',
    notice: '',
    appeal: '',
    notBefore: local(now),
    expiresAt: local(now + 90 * DAY),
    isPublic: true,
    targets: '',
    submit: true,
  };
}

/** The API body for a draft. */
function toInput(d: Draft): Record<string, unknown> {
  const scope =
    d.scopeKind === 'isps'
      ? { kind: 'isps', isps: names(d.scopeNames) }
      : d.scopeKind === 'groups'
        ? { kind: 'groups', groups: names(d.scopeNames) }
        : { kind: 'national' };
  const action =
    d.actionKind === 'throttle'
      ? { kind: 'throttle', bytesPerSecond: Number(d.bytesPerSecond) }
      : { kind: d.actionKind };
  const disclosure: Record<string, unknown> = {
    notice: d.notice,
    appeal: lines(d.appeal),
    dnsAnswer: d.dnsAnswer,
  };
  if (d.infoCode !== '') disclosure.infoCode = Number(d.infoCode);
  return {
    title: d.title,
    authority: { name: d.authorityName, kind: d.authorityKind },
    legalBasis: { instrument: d.instrument, article: d.article },
    decisionRef: d.decisionRef,
    scope,
    action,
    disclosure,
    notBefore: Date.parse(d.notBefore),
    expiresAt: Date.parse(d.expiresAt),
    public: d.isPublic,
    targets: lines(d.targets),
  };
}

/** The new-order page. */
export function OrderForm() {
  const [d, setD] = useState(initial);
  const { busy, error, run } = useAction();
  const publicId = useId();
  const submitId = useId();
  const set =
    <K extends keyof Draft>(k: K) =>
    (v: Draft[K]) =>
      setD((old) => ({ ...old, [k]: v }));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const res = await run(async () => {
      const { order } = await post<{ order: Order }>('/api/orders', toInput(d));
      if (d.submit && order.status === 'draft') await post(`/api/orders/${order.id}/submit`);
      return order;
    });
    if (res) navigate(`/orders/${res.id}`);
  };

  return (
    <form className="stack" onSubmit={save} aria-labelledby="new-order-h">
      <h1 id="new-order-h">New order</h1>
      <p className="note">
        Fields marked * are required. No order, no action: every block needs its legal basis.
      </p>
      <Field label="Title" name="title" value={d.title} onChange={set('title')} required />
      <Group legend="Issuing authority">
        <Field
          label="Authority name"
          name="authorityName"
          value={d.authorityName}
          onChange={set('authorityName')}
          required
        />
        <Choice
          label="Kind of authority"
          name="authorityKind"
          value={d.authorityKind}
          onChange={set('authorityKind')}
          options={['court', 'independent-body', 'regulator', 'operator']}
        />
      </Group>
      <Group legend="Legal basis">
        <Field
          label="Instrument"
          name="instrument"
          value={d.instrument}
          onChange={set('instrument')}
          hint="The act or regulation"
          required
        />
        <Field label="Article" name="article" value={d.article} onChange={set('article')} required />
        <Field
          label="Decision reference"
          name="decisionRef"
          value={d.decisionRef}
          onChange={set('decisionRef')}
          required
        />
      </Group>
      <Group legend="Scope and action">
        <Choice
          label="Scope"
          name="scopeKind"
          value={d.scopeKind}
          onChange={set('scopeKind')}
          options={[
            ['national', 'national (every subscriber)'],
            ['isps', 'some ISPs'],
            ['groups', 'some subscriber groups'],
          ]}
        />
        {d.scopeKind !== 'national' ? (
          <Field
            label={d.scopeKind === 'isps' ? 'ISP names' : 'Group names'}
            name="scopeNames"
            value={d.scopeNames}
            onChange={set('scopeNames')}
            hint="Separated by commas or spaces"
            required
          />
        ) : null}
        <Choice
          label="Action"
          name="actionKind"
          value={d.actionKind}
          onChange={set('actionKind')}
          options={['block', 'throttle', 'safe-search', 'allow']}
        />
        {d.actionKind === 'throttle' ? (
          <Field
            label="Rate (bytes per second)"
            name="bytesPerSecond"
            type="number"
            value={d.bytesPerSecond}
            onChange={set('bytesPerSecond')}
            required
          />
        ) : null}
      </Group>
      <Group legend="Disclosure (what the blocked user is told)">
        <Choice
          label="Extended DNS Error code"
          name="infoCode"
          value={d.infoCode}
          onChange={set('infoCode')}
          hint="RFC 8914. Default: 16 for a state's order, 15 for an operator's security policy."
          options={[
            ['', 'default for the authority'],
            ['16', '16 Censored'],
            ['15', '15 Blocked'],
            ['17', '17 Filtered'],
          ]}
        />
        <Choice
          label="DNS answer"
          name="dnsAnswer"
          value={d.dnsAnswer}
          onChange={set('dnsAnswer')}
          options={['nxdomain', 'nodata', 'refused', 'notice']}
        />
        <Area label="Notice text" name="notice" value={d.notice} onChange={set('notice')} rows={3} required />
        <Area
          label="Appeal contacts"
          name="appeal"
          value={d.appeal}
          onChange={set('appeal')}
          rows={2}
          hint="One per line: mailto:, tel: or sips: URIs"
          required
        />
      </Group>
      <Group legend="Period">
        <Field
          label="Not before"
          name="notBefore"
          type="datetime-local"
          value={d.notBefore}
          onChange={set('notBefore')}
        />
        <Field
          label="Expires at"
          name="expiresAt"
          type="datetime-local"
          value={d.expiresAt}
          onChange={set('expiresAt')}
          required
        />
      </Group>
      <ClassChoice targets={d.targets} action={d.actionKind} onChange={set('targets')} />
      <Area
        label="Targets"
        name="targets"
        value={d.targets}
        onChange={set('targets')}
        rows={6}
        hint="One per line: a name and its subdomains (casino.example), =exact.example, *.subdomains.example, an address or prefix (192.0.2.0/24), a URL prefix (http://example.org/path), class:international, @@RULE for an exception. Lists can be attached to a draft later."
      />
      <div className="check">
        <input
          id={publicId}
          type="checkbox"
          checked={d.isPublic}
          onChange={(e) => set('isPublic')(e.target.checked)}
        />
        <label htmlFor={publicId}>Public: listed in the transparency register</label>
      </div>
      <div className="check">
        <input
          id={submitId}
          type="checkbox"
          checked={d.submit}
          onChange={(e) => set('submit')(e.target.checked)}
        />
        <label htmlFor={submitId}>
          Submit for approval now (leave unticked to keep a draft and attach lists)
        </label>
      </div>
      <div className="row">
        <button type="submit" disabled={busy}>
          Create order
        </button>
      </div>
      {busy ? <Busy label="Creating the order…" /> : null}
      {error ? <ErrorBox error={error} what="create the order" /> : null}
    </form>
  );
}
