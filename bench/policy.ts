/**
 * Benchmark: the policy engine with one million domain rules, against Unbound loading the
 * same names as an RPZ zone, in the same run. Prints figures and ratios; asserts nothing.
 *
 *   npm run bench:policy
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicy } from '../src/policy/compile.js';
import { evaluate } from '../src/policy/evaluate.js';
import { exportRules } from '../src/policy/formats/index.js';
import type { Rule } from '../src/policy/model.js';
import { makeBenchOrder } from './bench-order.js';
import { millionRules, SHARED_DATA } from './million-rules.js';
import { mib, rssBytes } from './proc.js';
import { seededRandom } from './seeded-names.js';
import { startUnbound } from './unbound.js';

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
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
      rnd() < 0.8
        ? umbrella[Math.floor(rnd() * umbrella.length)]
        : rules[Math.floor(rnd() * rules.length)].value,
    );
  }
  return names;
}

function measureEvaluate(policy: ReturnType<typeof compilePolicy>, names: string[]) {
  const time = Date.now();
  let blocked = 0;
  for (let i = 0; i < 200_000; i++)
    if (evaluate(policy, { domain: names[i % names.length], time }).action === 'block') blocked++;
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = 3_000_000_000n;
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < names.length; i++) evaluate(policy, { domain: names[i], time });
    calls += names.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: calls / seconds, blockedShare: blocked / 200_000 };
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
  const base = memory();
  const t0 = performance.now();
  const policy = compilePolicy([{ order: makeBenchOrder(1), rules: set.rules }], Date.now());
  const compileMs = performance.now() - t0;
  // Node's memoryUsage() does not count SharedArrayBuffers: add the table's buffer explicitly.
  const heapBytes = memory() - base;
  const shared = policy.parts.domainBuffer.byteLength;
  const policyBytes = heapBytes + shared;
  console.log(`compile: ${compileMs.toFixed(0)} ms (goal ≤ 1500 ms); ${JSON.stringify(policy.stats)}`);
  console.log(
    `memory: ${mib(policyBytes)} for the compiled policy = ${(policyBytes / ruleCount).toFixed(1)} bytes/rule ` +
      `(goal ≤ 40; shared table ${mib(shared)} + heap ${mib(heapBytes)})`,
  );
  const ev = measureEvaluate(policy, names);
  console.log(
    `evaluate: ${(ev.rate / 1e6).toFixed(2)} M calls/s on one core (goal ≥ 5 M); workload: Umbrella top-100k ` +
      `+ 20% names from the rules, ${(ev.blockedShare * 100).toFixed(1)}% decided block`,
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
