/**
 * The records benchmark's view of its throwaway PostgreSQL cluster (test/helpers/postgres.ts): the
 * rows stored, and the CPU time the server spent (its processes are not this process, so
 * process.cpuUsage misses them). Note the helper's cluster runs with fsync=off and
 * synchronous_commit=off: the figures are the CPU path, not a durable production server's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** Rows of dns_queries in a PostgreSQL database. */
export async function countPostgres(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM dns_queries');
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

const TICKS = 100; // USER_HZ on Linux

interface Stat {
  readonly ppid: number;
  /** utime + stime, and with `reaped` also cutime + cstime, in seconds. */
  readonly own: number;
  readonly reaped: number;
}

function stat(pid: string): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const own = (Number(f[11]) + Number(f[12])) / TICKS;
    return { ppid: Number(f[1]), own, reaped: (Number(f[13]) + Number(f[14])) / TICKS };
  } catch {
    return null; // gone meanwhile
  }
}

/**
 * CPU seconds used so far by the cluster listening on `url`'s port: the postmaster (found by its
 * `-p PORT` argument), its reaped children, and its live children (backends, WAL writer, …).
 */
export function postgresCpu(url: string): number {
  const port = new URL(url).port;
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const postmaster = pids.find((p) => {
    try {
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('-p');
      return args[0]?.endsWith('postgres') === true && i >= 0 && args[i + 1] === port;
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return Number.NaN;
  const root = stat(postmaster);
  if (root === null) return Number.NaN;
  let total = root.own + root.reaped;
  for (const p of pids) {
    const s = stat(p);
    if (s !== null && String(s.ppid) === postmaster) total += s.own;
  }
  return total;
}
