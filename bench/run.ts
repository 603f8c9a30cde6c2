/**
 * `npm run bench`: every benchmark the README lists, one after the other, each in its own process
 * (each starts its peers and prints its own ratios). A failing one is reported and the rest still
 * run; the exit code is non-zero if any failed. BENCHES=dns,proxy runs a subset. Takes a while:
 * run it on a quiet machine (each bench prints the load average it saw).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Name → script in dist/bench, with the node flags it needs; README order. */
const ALL: readonly (readonly [string, string, readonly string[]])[] = [
  ['policy', 'policy.js', ['--expose-gc']],
  ['dns', 'dns.js', []],
  ['reload', 'reload.js', []],
  ['proxy', 'proxy.js', []],
  ['records', 'records.js', []],
  ['lease', 'lease.js', []],
  ['radius', 'radius.js', []],
];

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.env.BENCHES?.split(',').map((s) => s.trim());
const unknown = wanted?.filter((w) => !ALL.some(([name]) => name === w)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; known: ${ALL.map(([n]) => n).join(', ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const [name, script, flags] of ALL) {
  if (wanted !== undefined && !wanted.includes(name)) continue;
  console.log(`\n=== bench:${name} (node ${[...flags, `dist/bench/${script}`].join(' ')}) ===`);
  const run = spawnSync(process.execPath, [...flags, join(here, script)], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${name} (${run.signal ?? `exit ${run.status}`})`);
}
console.log(failed.length === 0 ? '\nall benchmarks ran' : `\nfailed: ${failed.join(', ')}`);
process.exit(failed.length === 0 ? 0 : 1);
