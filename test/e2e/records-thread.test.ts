/**
 * The records sink's thread runs SCHED_IDLE (src/native/threads.ts): behind the thread that answers
 * queries, never beside it. Read from the kernel (/proc/PID/task/TID/stat, field 41 `policy`), not
 * from the gateway's word alone; and the idle thread still stores what the gateway answered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  client,
  createHome,
  type GatehouseHome,
  type RunningGateway,
  startGateway,
} from '../helpers/gateway.js';

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** Thread name → policy of every thread of `pid` (sched(7) numbers). */
function policies(pid: number): { tid: number; policy: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, policy field 41.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid: Number(tid), policy: Number(fields[41 - 3]) };
  });
}

let home: GatehouseHome;
let gw: RunningGateway;

beforeAll(async () => {
  home = createHome();
  // A closed port upstream: the one query below is answered SERVFAIL, and nothing leaves loopback.
  gw = await startGateway(home, ['--upstream', '127.0.0.1:9', '--set', 'records.flushInterval=10ms']);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  home?.cleanup();
});

it('logs and runs the records sink thread as SCHED_IDLE, the main thread as SCHED_OTHER', () => {
  const line = gw.log.find((l) => l.includes('"records sink thread"'));
  expect(line, gw.log.join('\n')).toBeDefined();
  expect(JSON.parse(line as string).scheduling).toBe('SCHED_IDLE');
  const pid = gw.process.pid as number;
  const threads = policies(pid);
  expect(threads.find((t) => t.tid === pid)?.policy).toBe(SCHED_OTHER);
  expect(threads.filter((t) => t.policy === SCHED_IDLE).length).toBeGreaterThanOrEqual(1);
});

it('still stores the records of what the gateway answered', async () => {
  await client('dig', [
    '@127.0.0.1',
    '-p',
    String(gw.ports.udp),
    '+tries=1',
    '+time=5',
    'idle-thread.test',
    'A',
  ]);
  const db = new Database(join(home.dir, 'data', 'records.db'), { readonly: true });
  try {
    const count = (): number =>
      (
        db.prepare("SELECT count(*) AS n FROM dns_queries WHERE qname = 'idle-thread.test'").get() as {
          n: number;
        }
      ).n;
    const deadline = Date.now() + 10_000;
    while (count() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(count()).toBe(1);
  } finally {
    db.close();
  }
});
