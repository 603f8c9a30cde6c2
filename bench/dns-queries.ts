/**
 * The benchmarks' query mix: 100,000 A queries, 80% drawn from the Umbrella top-100k (allowed)
 * and 20% from the blocked names, seeded so every run and every server sees the same file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA } from './million-rules.js';
import { seededRandom } from './seeded-names.js';

/** Writes the dnsperf query file into `dir` and returns its path. */
export function queryFile(dir: string, blocked: readonly string[]): string {
  const umbrella = readFileSync(join(SHARED_DATA, 'umbrella-top-100k/umbrella-top-100k.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const rnd = seededRandom(11);
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const name =
      rnd() < 0.8
        ? umbrella[Math.floor(rnd() * umbrella.length)]
        : blocked[Math.floor(rnd() * blocked.length)];
    lines.push(`${name} A`);
  }
  const file = join(dir, 'queries.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
