/**
 * src/main/memory.ts: the old-generation growth flag set for DNS workers, and the C heap trim on its
 * schedule (a fake trim for the schedule; the addon's own malloc_trim where it is built).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { trimmer } from '../native/memory.js';
import { growOldGenerationsSlowly, startMemoryTrim, WORKERS_HEAP_FLAG } from './memory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('growOldGenerationsSlowly', () => {
  test("leaves node's own --heap-growing-percent alone and says so", () => {
    expect(growOldGenerationsSlowly(['--inspect', '--heap_growing_percent=50'])).toBe(
      "--heap_growing_percent=50 (node's command line)",
    );
  });

  test('sets the flag V8 reads at each full collection', () => {
    expect(growOldGenerationsSlowly([])).toBe(WORKERS_HEAP_FLAG);
    // What V8 does with it: more full collections for the same churn (a child process, so this
    // process's flags stay as they were).
    const churn = [
      'const keep = [];',
      "for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2e5) keep.splice(0, 1000); }",
    ].join(' ');
    const fulls = (flag: string) => {
      const code = `${flag ? `require('node:v8').setFlagsFromString('${flag}');` : ''} ${churn}`;
      const out = execFileSync(process.execPath, ['--trace-gc', '-e', code], { encoding: 'utf8' });
      return out.split('\n').filter((l) => l.includes('Mark-Compact')).length;
    };
    expect(fulls(WORKERS_HEAP_FLAG)).toBeGreaterThan(fulls(''));
  });
});

describe('startMemoryTrim', () => {
  test('trims on its interval, never two at once, and stops when closed', async () => {
    let calls = 0;
    let pending: ((released: boolean, micros: number) => void) | null = null;
    const seen: [boolean, number][] = [];
    const trim = startMemoryTrim({
      intervalMs: 5,
      trim: (done) => {
        calls++;
        pending = done;
      },
      onTrim: (released, micros) => seen.push([released, micros]),
    });
    expect(trim.note).toBe('malloc_trim every 5 ms on the thread pool');
    await sleep(40);
    // The first trim has not answered: no second one started.
    expect(calls).toBe(1);
    (pending as unknown as (r: boolean, m: number) => void)(true, 12);
    await sleep(40);
    expect(calls).toBe(2);
    expect(seen).toEqual([[true, 12]]);
    trim.close();
    (pending as unknown as (r: boolean, m: number) => void)(false, 3);
    await sleep(40);
    expect(calls).toBe(2);
    expect(seen).toEqual([
      [true, 12],
      [false, 3],
    ]);
  });

  test('a trim that cannot be queued throws nothing out of the timer, and the next tick tries again', async () => {
    let calls = 0;
    const trim = startMemoryTrim({
      intervalMs: 5,
      trim: () => {
        calls++;
        throw new Error('trimMemory: out of memory');
      },
    });
    await sleep(40);
    trim.close();
    expect(calls).toBeGreaterThan(1);
  });

  test('without the addon it does nothing and says why', () => {
    const trim = startMemoryTrim({ trim: null });
    expect(trim.note).toMatch(/^off \(native addon: /);
    trim.close();
  });

  // Where the addon is built (Linux, npm install), the real malloc_trim answers on the pool.
  test.skipIf(trimmer() === null)('the addon trims the C heap and says how long it took', async () => {
    const trim = trimmer();
    const answer = await new Promise<[boolean, number]>((resolve) =>
      trim?.((released, micros) => resolve([released, micros])),
    );
    expect(typeof answer[0]).toBe('boolean');
    expect(answer[1]).toBeGreaterThanOrEqual(0);
    expect(answer[1]).toBeLessThan(10_000_000);
    expect(() => (trim as unknown as (x: number) => void)(1)).toThrow('done must be a function');
  });
});
