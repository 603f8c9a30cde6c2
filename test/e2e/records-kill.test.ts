/**
 * `kill -9` of the real gateway under DNS load, then a restart: every record that reached the spool
 * is stored (issue 5). The records database is held locked by this test so that the gateway's sink
 * fails and its backlog goes to the spool; the gateway is SIGKILLed while queries keep arriving; the
 * spool as the kill left it is read (from a copy), the lock released, the gateway restarted on the
 * same data directory, and every spooled record must then be in the records database.
 */
import { createSocket } from 'node:dgram';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSpool } from '../../src/records/spool.js';
import { dnsSpoolCodec } from '../../src/records/spool-codec.js';
import { encodeQuery } from '../helpers/dns-client.js';
import { createHome, type GatehouseHome, startGateway } from '../helpers/gateway.js';

let home: GatehouseHome;
const data = (): string => join(home.dir, 'data');
const ZONE = 'kill.test';

const args = [
  // A closed port: every name here is blocked by order, nothing goes upstream (and nothing off the machine).
  '--upstream',
  '127.0.0.1:9',
  '--set',
  'records.batchSize=100',
  '--set',
  'records.maxQueue=1000',
];

beforeAll(async () => {
  home = createHome();
  const out = await home.cli([
    'orders',
    'create',
    '--title',
    'kill test',
    '--authority',
    'Test District Court',
    '--authority-kind',
    'court',
    '--instrument',
    'Test Act',
    '--article',
    'art. 5',
    '--appeal',
    'mailto:appeals@example.org',
    '--decision-ref',
    'ref-kill',
    '--notice',
    'kill test',
    '--expires',
    '+30d',
    '--target',
    ZONE,
  ]);
  await home.cli(['orders', 'approve', String(Number(/order (\d+) created/.exec(out)?.[1]))], 'bob');
}, 60_000);

afterAll(() => home?.cleanup());

/** Every qname in a copy of the spool directory as the kill left it (the copy is opened, not the original). */
function spooledNames(dir: string): Set<string> {
  const copy = join(home.dir, 'spool-copy');
  cpSync(dir, copy, { recursive: true });
  const spool = createSpool({ dir: copy, maxBytes: 2 ** 31, codec: dnsSpoolCodec });
  const names = new Set<string>();
  for (let b = spool.peek(); b !== undefined; b = spool.peek()) {
    for (const r of b) names.add(r.qname);
    spool.ack();
  }
  spool.close();
  return names;
}

const segmentBytes = (dir: string): number =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.seg')).length : 0;

it('every record that reached the spool before a kill -9 is stored after the restart', async () => {
  const first = await startGateway(home, args);
  const port = first.ports.udp as number;
  // Hold the records database: the sink's writes wait out their busy timeout and fail, so records spool.
  const lock = new Database(join(data(), 'records.db'));
  lock.exec('BEGIN EXCLUSIVE');
  const socket = createSocket('udp4');
  let sent = 0;
  const load = setInterval(() => {
    for (let i = 0; i < 200; i++) socket.send(encodeQuery(`q${sent++}.${ZONE}`), port, '127.0.0.1');
  }, 10);
  const spoolDir = join(data(), 'spool', 'dns');
  const deadline = Date.now() + 30_000;
  while (segmentBytes(spoolDir) === 0 || sent < 6000) {
    if (Date.now() > deadline) throw new Error(`nothing spooled:\n${first.log.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const killed = new Promise((r) => first.process.once('exit', r));
  first.process.kill('SIGKILL'); // under load: queries are still arriving
  await killed;
  clearInterval(load);
  socket.close();
  const spooled = spooledNames(spoolDir);
  expect(spooled.size).toBeGreaterThan(0);
  lock.exec('COMMIT');
  lock.close();

  const second = await startGateway(home, args);
  try {
    const db = new Database(join(data(), 'records.db'), { readonly: true });
    const stored = new Set<string>();
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const rows = db.prepare('SELECT qname FROM dns_queries').pluck().all() as string[];
      for (const q of rows) stored.add(q);
      if ([...spooled].every((q) => stored.has(q))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    db.close();
    const missing = [...spooled].filter((q) => !stored.has(q));
    expect({ spooled: spooled.size, missing: missing.length }).toEqual({ spooled: spooled.size, missing: 0 });
  } finally {
    await second.stop();
  }
}, 120_000);
