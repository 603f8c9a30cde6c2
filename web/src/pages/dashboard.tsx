/** The dashboard: the last hour of the gateway's own metrics, refreshed every 10 seconds. */
import type { MetricsSeries } from '../types';
import { DataTable, rowsOf } from '../ui/data-table';
import { type ChartLine, LineChart } from '../ui/line-chart';
import { Loaded } from '../ui/status';
import { useApi } from '../ui/use-api';

const REFRESH_MS = 10_000;

const pick = (m: MetricsSeries, key: string): (number | null)[] => m.series?.[key] ?? [];
const percent = (n: number) => `${Math.round(n * 1000) / 10}`;

function Charts({ m }: { m: MetricsSeries }) {
  const step = m.step || 10;
  const isps = Object.entries(m.perIsp ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const perIsp = (key: 'queries' | 'blocked'): ChartLine[] =>
    isps.map(([isp, s]) => ({ name: isp, values: s[key] ?? [] }));
  return (
    <div className="charts">
      <LineChart
        title="Queries and connections"
        unit="per second"
        step={step}
        lines={[
          { name: 'DNS queries', values: pick(m, 'queries') },
          { name: 'Connections', values: pick(m, 'connections') },
        ]}
      />
      <LineChart
        title="Blocked and throttled"
        unit="per second"
        step={step}
        lines={[
          { name: 'Blocked', values: pick(m, 'blocked') },
          { name: 'Throttled', values: pick(m, 'throttled') },
        ]}
      />
      <LineChart
        title="Cache hit ratio"
        unit="%"
        step={step}
        format={percent}
        lines={[{ name: 'Hit ratio', values: pick(m, 'cacheHitRatio') }]}
      />
      <LineChart
        title="Upstream latency"
        unit="ms"
        step={step}
        lines={[{ name: 'Latency', values: pick(m, 'upstreamLatencyMs') }]}
      />
      <LineChart
        title="Records spooled and dropped"
        unit="per second"
        step={step}
        lines={[
          { name: 'Spooled', values: pick(m, 'recordsSpooled') },
          { name: 'Dropped', values: pick(m, 'recordsDropped') },
        ]}
      />
      {isps.length > 0 ? (
        <>
          <LineChart title="Queries per ISP" unit="per second" step={step} lines={perIsp('queries')} />
          <LineChart title="Blocked per ISP" unit="per second" step={step} lines={perIsp('blocked')} />
        </>
      ) : (
        <p className="note">No per-ISP traffic in the last hour (no subscriber addresses are known yet).</p>
      )}
    </div>
  );
}

/** The dashboard page. */
export function Dashboard() {
  const res = useApi<MetricsSeries>('/api/metrics/series?minutes=60', REFRESH_MS);
  const nodes = useApi<unknown>('/api/nodes', REFRESH_MS);
  return (
    <div className="stack">
      <h1>Dashboard</h1>
      <p className="note">
        The last hour, one point every 10 seconds, refreshed every 10 seconds.{' '}
        <span data-testid="dashboard-state">
          {res.loading ? 'Refreshing…' : res.data ? `Updated ${new Date().toLocaleTimeString()}` : ''}
        </span>
      </p>
      <Loaded res={res} what="the metrics">
        {(m) => <Charts m={m} />}
      </Loaded>
      <section aria-labelledby="nodes-h">
        <h2 id="nodes-h">Nodes</h2>
        <Loaded res={nodes} what="the nodes">
          {(d) => (
            <DataTable
              rows={rowsOf(d, 'nodes')}
              caption="Gateway nodes and their health"
              columns={['id', 'startedAt', 'uptimeSeconds', 'health']}
              render={{
                health: (r) => {
                  const h = (r.health ?? {}) as { status?: unknown; policy?: { orders?: unknown } };
                  return `${String(h.status ?? 'unknown')}${h.policy?.orders !== undefined ? `, ${String(h.policy.orders)} orders in the policy` : ''}`;
                },
              }}
            />
          )}
        </Loaded>
      </section>
    </div>
  );
}
