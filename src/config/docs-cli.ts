/**
 * Writes the generated docs (`npm run docs`), or with `--check` only reports which are stale.
 * Paths are relative to the working directory, which npm sets to the repository root.
 *
 *   tsc -p tsconfig.build.json && node dist/src/config/docs-cli.js [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_DOCS } from './docs.js';

function run(args: readonly string[]): number {
  const check = args.includes('--check');
  let stale = 0;
  for (const doc of GENERATED_DOCS) {
    const text = doc.render();
    let current = '';
    try {
      current = readFileSync(doc.path, 'utf8');
    } catch {
      // A missing doc is stale: written below, or reported with --check.
    }
    if (current === text) continue;
    stale++;
    if (check) process.stderr.write(`${doc.path} is out of date: run npm run docs\n`);
    else {
      writeFileSync(doc.path, text);
      process.stdout.write(`wrote ${doc.path}\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = run(process.argv.slice(2));
