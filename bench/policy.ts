/**
 * Benchmark: the policy engine with one million domain rules, against Unbound loading the
 * same names as an RPZ zone, in the same run. Prints figures and ratios; asserts nothing.
 *
 *   npm run bench:policy
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CompiledPolicy, compilePolicy } from '../src/policy/compile.js';
import { evaluate, evaluateWire } from '../src/policy/evaluate.js';
import { exportRules } from '../src/policy/formats/index.js';
import type { Rule } from '../src/policy/model.js';
import { makeBenchOrder } from './bench-order.js';
import { millionRules, SHARED_DATA } from './million-rules.js';
import { mib, rssBytes } from './proc.js';
import { seededRandom } from './seeded-names.js';
import { startUnbound } from './unbound.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap plus array buffers after full collections, once V8 has swept freed backing stores. */
async function memory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Whether `memoryUsage().arrayBuffers` counts SharedArrayBuffers (Node 20.20 does). */
function countsShared(): boolean {
  const before = process.memoryUsage().arrayBuffers;
  const probe = new SharedArrayBuffer(1 << 24);
  return process.memoryUsage().arrayBuffers - before >= probe.byteLength;
}

/**
 * Real DNS names are fresh strings decoded from packets, not slices of one big file: each
 * name is copied into its own flat string (what readName in src/dns/wire/name.ts yields).
 */
function fresh(name: string): string {
  return Buffer.from(name, 'latin1').toString('latin1');
}

function workload(rules: readonly Rule[]): string[] {
  const umbrella = readFileSync(join(SHARED_DATA, 'umbrella-top-100k/umbrella-top-100k.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const rnd = seededRandom(7);
  const names: string[] = [];
  // 80% Umbrella top-100k (popular, mostly allowed), 20% names taken from the blocked rules.
  for (let i = 0; i < 100_000; i++) {
    names.push(
      fresh(
        rnd() < 0.8
          ? umbrella[Math.floor(rnd() * umbrella.length)]
          : rules[Math.floor(rnd() * rules.length)].value,
      ),
    );
  }
  return names;
}

/** Each name as a query packet's QNAME at offset 12 (uncompressed labels, as parseQuery leaves it). */
function packets(names: readonly string[]): Uint8Array[] {
  return names.map((name) => {
    const buf = new Uint8Array(12 + name.length + 2 + 4);
    let o = 12;
    for (const label of name.split('.')) {
      buf[o++] = label.length;
      for (let i = 0; i < label.length; i++) buf[o++] = label.charCodeAt(i);
    }
    return buf;
  });
}

/** Calls `run(i)` over `count` inputs for three seconds; rate per wall second and per CPU second. */
function measure(count: number, run: (i: number) => void) {
  for (let i = 0; i < 200_000; i++) run(i % count);
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = 3_000_000_000n;
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < count; i++) run(i);
    calls += count;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { rate: calls / seconds, cpuRate: calls / ((cpu.user + cpu.system) / 1e6) };
}

function measureEvaluate(policy: ReturnType<typeof compilePolicy>, names: string[]) {
  const time = Date.now();
  let blocked = 0;
  for (let i = 0; i < names.length; i++)
    if (evaluate(policy, { domain: names[i], time }).action === 'block') blocked++;
  const text = measure(names.length, (i) => evaluate(policy, { domain: names[i], time }));
  const bufs = packets(names);
  const wire = measure(bufs.length, (i) => evaluateWire(policy, bufs[i], 12, { time }));
  return { text, wire, blockedShare: blocked / names.length };
}

function writeZone(rules: readonly Rule[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const zone = join(dir, 'million.rpz');
  writeFileSync(zone, exportRules('rpz', rules).text);
  return zone;
}

async function unboundLoad(zone: string, probeName: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const t0 = performance.now();
  const peer = await startUnbound({ port, rpzFile: zone }, probeName);
  const loadMs = performance.now() - t0;
  const rss = rssBytes(peer.pid);
  await peer.stop();
  return { loadMs, rss };
}

async function main(): Promise<void> {
  console.log(`gatehouse policy benchmark (node ${process.version}, gc exposed: ${gc !== undefined})`);
  const set = await millionRules();
  const ruleCount = set.rules.length;
  console.log(`rules: ${ruleCount}\n  ${set.summary}`);
  const zone = writeZone(set.rules);
  const names = workload(set.rules);
  const probeName = set.rules[0].value;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let policy: CompiledPolicy | undefined = compilePolicy(
    [{ order: makeBenchOrder(1), rules: set.rules }],
    Date.now(),
  );
  const compileMs = performance.now() - t0;
  const compileCpu = process.cpuUsage(cpu0);
  console.log(
    `compile: ${compileMs.toFixed(0)} ms (${((compileCpu.user + compileCpu.system) / 1000).toFixed(0)} ms CPU; ` +
      `goal ≤ 1500 ms); ${JSON.stringify(policy.stats)}`,
  );
  const shared = policy.parts.domainBuffer.byteLength;
  const ev = measureEvaluate(policy, names);
  const rates = (r: { rate: number; cpuRate: number }) =>
    `${(r.rate / 1e6).toFixed(2)} M calls/s on one core (${(r.cpuRate / 1e6).toFixed(2)} M per CPU second)`;
  console.log(
    `evaluate: ${rates(ev.text)} (goal ≥ 5 M); workload: Umbrella top-100k ` +
      `+ 20% names from the rules, ${(ev.blockedShare * 100).toFixed(1)}% decided block; ` +
      'names are fresh flat strings, as decoded from packets',
  );
  console.log(`evaluateWire: ${rates(ev.wire)}; same names as QNAMEs in query buffers, no strings made`);
  console.log(
    `load average while measuring: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 cores)`,
  );
  // The policy's size is what releasing it frees: unlike a before/after-compile difference,
  // that ignores garbage left from building the rule set. The table's SharedArrayBuffer is
  // added only where memoryUsage() leaves it out.
  const held = await memory();
  policy = undefined;
  const freed = held - (await memory());
  const policyBytes = countsShared() ? freed : freed + shared;
  console.log(
    `memory: ${mib(policyBytes)} for the compiled policy = ${(policyBytes / ruleCount).toFixed(1)} bytes/rule ` +
      `(goal ≤ 40; shared table ${mib(shared)} + heap ${mib(policyBytes - shared)})`,
  );
  const ub = await unboundLoad(zone, probeName);
  console.log(
    `unbound rpz, same names, same machine: load ${(ub.loadMs / 1000).toFixed(2)} s, ` +
      `rss ${mib(ub.rss)} = ${(ub.rss / ruleCount).toFixed(0)} bytes/rule`,
  );
  console.log(
    `ratios: load time unbound/gatehouse = ${(ub.loadMs / compileMs).toFixed(1)}x, ` +
      `memory unbound/gatehouse = ${(ub.rss / policyBytes).toFixed(1)}x`,
  );
}

await main();
