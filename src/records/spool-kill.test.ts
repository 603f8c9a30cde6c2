import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSpool } from './spool.js';
import { type Transpiled, transpileRecords } from './transpile.test-helper.js';

let js: Transpiled;
let dir: string;
beforeAll(() => {
  js = transpileRecords();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-spool-kill-'));
});
afterAll(() => {
  js.remove();
  rmSync(dir, { recursive: true, force: true });
});

const BATCH = 100;

/** The child appends numbered batches forever and prints each number once `append` has returned. */
function childScript(spoolUrl: string): string {
  return `
    import { writeSync } from 'node:fs';
    import { createSpool } from ${JSON.stringify(spoolUrl)};
    const spool = createSpool({ dir: ${JSON.stringify(dir)}, maxBytes: 2 ** 31, segmentBytes: 65536 });
    for (let i = 0; ; i++) {
      const batch = Array.from({ length: ${BATCH} }, (_, j) => i * ${BATCH} + j);
      if (!spool.append(batch)) process.exit(3);
      for (;;) { try { writeSync(1, i + '\\n'); break; } catch (e) { if (e.code !== 'EAGAIN') throw e; } }
    }`;
}

/** Runs the child until it has confirmed `confirmations` appends, SIGKILLs it, returns the last one seen. */
function appendThenKill(confirmations: number): Promise<{ last: number; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', childScript(js.url('src/records/spool.js').href)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let text = '';
  let last = -1;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    text += chunk;
    const lines = text.split('\n');
    text = lines.pop() ?? '';
    if (lines.length > 0) last = Number(lines.at(-1));
    if (last >= confirmations) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ last, signal })));
}

test('everything appended before a kill -9 is replayed after restart, in order', async () => {
  const { last, signal } = await appendThenKill(500);
  expect(signal).toBe('SIGKILL');
  expect(last).toBeGreaterThanOrEqual(500);
  const spool = createSpool<number>({ dir, maxBytes: 2 ** 31, segmentBytes: 65536 });
  const got: number[] = [];
  let batches = 0;
  for (let b = spool.peek(); b !== undefined; b = spool.peek()) {
    got.push(...b);
    batches++;
    spool.ack();
  }
  spool.close();
  expect(batches).toBeGreaterThan(last); // every confirmed batch, perhaps a few not yet confirmed
  expect(got.length).toBe(batches * BATCH);
  expect(got.every((v, i) => v === i)).toBe(true); // contiguous and in order: nothing lost or reordered
});
