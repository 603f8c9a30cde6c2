/**
 * Setting up Gatehouse for a benchmark the way an operator would: the CLI on a data directory,
 * one order created as a draft, the million-rule RPZ zone imported into it, approved by another.
 */
import { execFileSync } from 'node:child_process';

/**
 * DNS thread counts to measure (GATEHOUSE_BENCH_WORKERS, comma-separated, default `1`): `dns.workers`
 * of each gateway run. 1 is the main thread; N > 1 runs N worker threads sharing the port.
 */
export function benchWorkerCounts(env = process.env.GATEHOUSE_BENCH_WORKERS): number[] {
  const counts = (env ?? '1')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1 && n <= 256);
  return counts.length > 0 ? counts : [1];
}

/** Runs `gatehouse ARGS` on `dataDir` and returns its stdout. */
export function benchCli(dataDir: string, args: readonly string[]): string {
  return execFileSync('node', ['bin/gatehouse.js', '--data', dataDir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const ORDER = [
  ['--title', 'Benchmark order'],
  ['--authority', 'Bench Court'],
  ['--instrument', 'Bench Act'],
  ['--article', 'art. 1'],
  ['--decision-ref', 'B-1'],
  ['--notice', 'benchmark'],
  ['--appeal', 'mailto:a@example.org'],
  ['--expires', '+30d'],
].flat();

/** Creates, fills and approves order 1 with the rules of `zone` (an RPZ file); logs the import time. */
export function approveMillionRuleOrder(dataDir: string, zone: string): void {
  benchCli(dataDir, ['orders', 'create', '--draft', '--as', 'bench', ...ORDER]);
  const t0 = performance.now();
  benchCli(dataDir, [
    'policy',
    'import',
    zone,
    '--format',
    'rpz',
    '--order',
    '1',
    '--as',
    'bench',
    '--list',
    'million',
  ]);
  console.log(`gatehouse: imported the RPZ zone in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  benchCli(dataDir, ['orders', 'submit', '1', '--as', 'bench']);
  benchCli(dataDir, ['orders', 'approve', '1', '--as', 'judge']);
}
