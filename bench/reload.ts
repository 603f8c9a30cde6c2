/**
 * Benchmark: a million-rule list re-imported while the gateway answers a fixed load (issue 3:
 * "zero failed or timed-out queries"), with Unbound reloading the same RPZ zone as the peer.
 *
 * Both servers load the same million names (bench/million-rules.ts) and forward to the same
 * local upstream; dnsperf sends the usual mix (Umbrella top-100k, 80% allowed, 20% blocked) at
 * a fixed rate. Each run has a baseline window, then the reload: for Gatehouse
 * `gatehouse policy import` of the list (plus one new name) into the order, done when the
 * gateway logs "policy compiled" and the new name answers NXDOMAIN; for Unbound the zone file
 * rewritten the same way and SIGHUP (what `unbound-control reload` does), done when the new
 * name answers NXDOMAIN. Prints lost (timed out), failed (SERVFAIL etc.) and p99 per window.
 *
 *   npm run build && node dist/bench/reload.js   (GATEHOUSE_RELOAD_QPS=50000, BASELINE_SECONDS=10)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportRules } from '../src/policy/formats/index.js';
import { approveMillionRuleOrder } from './bench-gatehouse.js';
import { queryFile } from './dns-queries.js';
import { runDnsperf } from './dnsperf.js';
import { millionRules } from './million-rules.js';
import { freePort } from './proxy-peers.js';
import { formatWindow, startLoad, type WindowFigures } from './reload-dnsperf.js';
import { probe, startUnbound } from './unbound.js';

const QPS = Number(process.env.GATEHOUSE_RELOAD_QPS ?? 50_000);
const BASELINE = Number(process.env.GATEHOUSE_BASELINE_SECONDS ?? 10);
const SETTLE = 3; // seconds after the swap still counted in the reload window
const TIMEOUT = 2; // dnsperf -t
const PROBE_NAME = 'reload-probe.gatehouse-bench.example';
const dir = mkdtempSync(join(tmpdir(), 'gh-bench-reload-'));
const children: ChildProcess[] = [];

/** The RCODE of one A query for `name`, or -1 without an answer within `ms`. */
function rcodeOf(port: number, name: string, ms = 500): Promise<number> {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([
    Buffer.from([0x43, 0x21, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(-1);
    }, ms);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m[3] & 0x0f);
    });
    s.send(q, port, '127.0.0.1');
  });
}

async function untilBlocked(port: number, deadline: number): Promise<void> {
  while ((await rcodeOf(port, PROBE_NAME)) !== 3) {
    if (Date.now() > deadline) throw new Error(`${PROBE_NAME} still not blocked on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sleep(s: number): Promise<void> {
  return new Promise((r) => setTimeout(r, s * 1000));
}

async function startGatehouse(zone: string, upstream: number) {
  const data = join(dir, 'data');
  approveMillionRuleOrder(data, zone);
  const port = await freePort();
  const args = ['bin/gatehouse.js', 'start', '--data', data, '--dns', `127.0.0.1:${port}`];
  args.push('--upstream', `127.0.0.1:${upstream}`, '--http', '127.0.0.1:0');
  for (const s of ['dns.dot=[]', 'dns.doh=[]', 'proxy.listen=[]', 'log.level=info']) args.push('--set', s);
  const child = spawn('node', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const compiled: number[] = []; // seconds (performance.now) of every "policy compiled"
  let rest = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.includes('"policy compiled"')) compiled.push(performance.now() / 1000);
  });
  while (!(await probe(port, 'example.com')));
  return { port, data, compiled, pid: child.pid ?? 0 };
}

interface ReloadRun {
  readonly windows: WindowFigures[];
  readonly reloadSeconds: number;
}

/**
 * Runs the load, cuts the baseline window, calls `reload` (which resolves when the new policy
 * is in force), keeps the load for SETTLE s more, and cuts the reload window.
 */
async function underLoad(port: number, file: string, reload: () => Promise<void>): Promise<ReloadRun> {
  // One pass at a gentle rate fills the cache, as a resolver in service has it.
  await runDnsperf({ port, file, seconds: 60, passes: 1, maxQps: 40_000, clients: 4, outstanding: 100 });
  const load = startLoad({ port, file, qps: QPS, timeoutSeconds: TIMEOUT });
  await sleep(2 + BASELINE); // 2 s ramp-up excluded
  const from = load.now();
  await reload();
  const done = load.now();
  await sleep(SETTLE);
  const to = load.now();
  await sleep(TIMEOUT + 0.5); // timeouts of the window's last queries arrive TIMEOUT s late
  const summary = await load.stop();
  const lost = /Queries lost:\s+(\d+)/.exec(summary)?.[1];
  const windows = [load.window('baseline', 2, 2 + BASELINE), load.window('reload', from, to)];
  console.log(`  (dnsperf over the whole run: ${lost ?? '?'} lost)`);
  return { windows, reloadSeconds: done - from };
}

async function main(): Promise<void> {
  console.log(`reload benchmark: dnsperf -T1 -c4 -q100 -t${TIMEOUT} -Q${QPS}, node ${process.version}`);
  const set = await millionRules();
  const zone = join(dir, 'million.rpz');
  const zone2 = join(dir, 'million-plus-one.rpz');
  writeFileSync(zone, exportRules('rpz', set.rules).text);
  writeFileSync(zone2, exportRules('rpz', [...set.rules, { kind: 'subtree', value: PROBE_NAME }]).text);
  const file = queryFile(
    dir,
    set.rules.map((r) => r.value),
  );
  const upstream = await startUnbound({ port: await freePort(), answerAll: true });
  children.push(upstream.process);
  const gh = await startGatehouse(zone, upstream.port);
  const ubZone = join(dir, 'unbound.rpz');
  copyFileSync(zone, ubZone);
  const ub = await startUnbound({
    port: await freePort(),
    rpzFile: ubZone,
    forwardTo: `127.0.0.1:${upstream.port}`,
  });
  children.push(ub.process);

  const g = await underLoad(gh.port, file, async () => {
    const before = gh.compiled.length;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) =>
      execFile(
        'node',
        ['bin/gatehouse.js', '--data', gh.data, 'policy', 'import', zone2, '--format', 'rpz'].concat([
          '--order',
          '1',
          '--as',
          'bench',
          '--list',
          'million',
        ]),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const imported = (performance.now() - t0) / 1000;
    await untilBlocked(gh.port, Date.now() + 120_000);
    const swapped = gh.compiled.slice(before).at(-1);
    console.log(
      `  gatehouse: import ${imported.toFixed(1)} s, "policy compiled" ${swapped ? (swapped - t0 / 1000).toFixed(1) : '?'} s, new name blocked ${((performance.now() - t0) / 1000).toFixed(1)} s after the import began`,
    );
  });
  const u = await underLoad(ub.port, file, async () => {
    const t0 = performance.now();
    copyFileSync(zone2, ubZone);
    ub.process.kill('SIGHUP');
    await untilBlocked(ub.port, Date.now() + 120_000);
    console.log(
      `  unbound: SIGHUP to the new name blocked ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  });
  for (const w of g.windows) console.log(formatWindow('gatehouse', w));
  for (const w of u.windows) console.log(formatWindow('unbound (rpz)', w));
  const gr = g.windows[1];
  console.log(
    `goal: zero lost or failed queries while a million-rule list is re-imported: gatehouse ${gr.lost + gr.failed === 0 ? 'met' : `NOT met (${gr.lost} lost, ${gr.failed} failed)`}; unbound ${u.windows[1].lost} lost, ${u.windows[1].failed} failed`,
  );
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
}
