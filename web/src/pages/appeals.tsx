/** Appeals filed on the public portal: list and decide (upheld or rejected, with a reason). */
import { useState } from 'react';
import { post } from '../api';
import { DataTable, rowsOf } from '../ui/data-table';
import { Area, Choice } from '../ui/field';
import { Busy, ErrorBox, Loaded } from '../ui/status';
import { useAction, useApi } from '../ui/use-api';

function Decide({ refId, onDone }: { refId: string; onDone: () => void }) {
  const [outcome, setOutcome] = useState('upheld');
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  const decide = async () => {
    if (await run(() => post(`/api/appeals/${encodeURIComponent(refId)}/decide`, { outcome, reason })))
      onDone();
  };
  return (
    <section className="card" aria-label={`Decide appeal ${refId}`}>
      <h2>Decide appeal {refId}</h2>
      <Choice label="Outcome" value={outcome} onChange={setOutcome} options={['upheld', 'rejected']} />
      <Area label="Reason (published)" value={reason} onChange={setReason} rows={3} required />
      <button type="button" disabled={busy || reason.trim() === ''} onClick={decide}>
        Record decision
      </button>
      {busy ? <Busy label="Saving…" /> : null}
      {error ? <ErrorBox error={error} what="decide the appeal" /> : null}
    </section>
  );
}

/** The appeals page. */
export function Appeals() {
  const res = useApi<unknown>('/api/appeals');
  const [chosen, setChosen] = useState<string>();
  return (
    <div className="stack">
      <h1>Appeals</h1>
      <Loaded res={res} what="appeals">
        {(d) => (
          <DataTable
            rows={rowsOf(d, 'appeals')}
            caption="Appeals, newest first"
            columns={['ref', 'orderId', 'appellant', 'status', 'filedAt', 'grounds', 'decidedAt', 'reason']}
            actions={(r) =>
              r.status !== 'filed' && r.status !== undefined ? null : (
                <button type="button" onClick={() => setChosen(String(r.ref))}>
                  Decide
                </button>
              )
            }
          />
        )}
      </Loaded>
      {chosen ? (
        <Decide
          key={chosen}
          refId={chosen}
          onDone={() => {
            setChosen(undefined);
            res.reload();
          }}
        />
      ) : null}
    </div>
  );
}
