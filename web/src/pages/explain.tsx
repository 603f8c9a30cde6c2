/** "Why is this blocked?": a name, address or URL (optionally for an ISP or group) → decision and explanation. */
import { type FormEvent, useState } from 'react';
import { query } from '../api';
import { href, navigate, type Route } from '../route';
import { Field } from '../ui/field';
import { keyed } from '../ui/keys';
import { Loaded } from '../ui/status';
import { useApi } from '../ui/use-api';

interface Answer {
  decision: {
    action: string;
    orderId: number;
    reason: string;
    label?: string;
    rateBps?: number;
    [k: string]: unknown;
  };
  explanation: string | string[];
}

function Result({ a }: { a: Answer }) {
  const d = a.decision;
  const text = Array.isArray(a.explanation) ? a.explanation : String(a.explanation ?? '').split('\n');
  return (
    <section className="card" aria-labelledby="decision-h" aria-live="polite">
      <h2 id="decision-h">
        Decision: <span className={`badge action-${d.action}`}>{d.action}</span>
      </h2>
      <dl className="facts">
        <dt>Order</dt>
        <dd>{d.orderId ? <a href={href(`/orders/${d.orderId}`)}>order {d.orderId}</a> : 'none'}</dd>
        <dt>Reason</dt>
        <dd>{d.reason}</dd>
        {d.rateBps ? (
          <>
            <dt>Rate</dt>
            <dd>{d.rateBps.toLocaleString()} bytes/s</dd>
          </>
        ) : null}
      </dl>
      <h3>Explanation</h3>
      <div data-testid="explanation">
        {keyed(text).map(([k, l]) => (
          <p key={k}>{l}</p>
        ))}
      </div>
    </section>
  );
}

/** The explain page; the question lives in the address so it can be shared and reloaded. */
export function Explain({ route }: { route: Route }) {
  const q = route.params.get('q') ?? '';
  const isp = route.params.get('isp') ?? '';
  const group = route.params.get('group') ?? '';
  const [text, setText] = useState(q);
  const [ispText, setIsp] = useState(isp);
  const [groupText, setGroup] = useState(group);
  const res = useApi<Answer>(q === '' ? null : `/api/explain${query({ q, isp, group })}`);

  const ask = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/explain${query({ q: text.trim(), isp: ispText.trim(), group: groupText.trim() })}`);
  };

  return (
    <div className="stack">
      <h1>Why is this blocked?</h1>
      <form className="card" onSubmit={ask} aria-label="Explain a decision">
        <Field
          label="Name, address or URL"
          name="q"
          value={text}
          onChange={setText}
          hint="For example casino.example, 192.0.2.10 or http://example.org/page"
          required
        />
        <div className="row filters">
          <Field label="ISP (optional)" name="isp" value={ispText} onChange={setIsp} />
          <Field label="Group (optional)" name="group" value={groupText} onChange={setGroup} />
        </div>
        <button type="submit">Explain</button>
      </form>
      {q === '' ? null : (
        <Loaded res={res} what="the decision">
          {(a) => <Result a={a} />}
        </Loaded>
      )}
    </div>
  );
}
