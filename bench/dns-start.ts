/**
 * The node options `npm start` runs the gateway with, read from package.json's `start` script
 * (`… && node [OPTIONS] bin/gatehouse.js start`), so the DNS benchmarks measure the process an
 * operator runs: V8 flags such as `--max-semi-space-size` change both its memory and its pauses.
 */
import { readFileSync } from 'node:fs';

/** The options between `node` and `bin/gatehouse.js` in a `start` script; [] when there are none. */
export function startNodeOptions(script: string): string[] {
  for (const command of script.split('&&').reverse()) {
    const words = command.trim().split(/\s+/);
    const entry = words.indexOf('bin/gatehouse.js');
    if (words[0] === 'node' && entry > 0) return words.slice(1, entry);
  }
  return [];
}

/**
 * `startNodeOptions` of ./package.json (the benchmarks run from the repository's root), or
 * GATEHOUSE_BENCH_NODE_OPTIONS (space-separated) to measure a proposed start command; the
 * benchmarks print which options they used.
 */
export function npmStartNodeOptions(
  file = 'package.json',
  override = process.env.GATEHOUSE_BENCH_NODE_OPTIONS,
): string[] {
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: { start?: string } };
  return startNodeOptions(pkg.scripts?.start ?? '');
}
