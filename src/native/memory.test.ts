/**
 * native/memory.c: limitMallocArenas takes a positive count (glibc accepts it) and refuses
 * anything else with TypeError ERR_INVALID_ARG. Its effect (resident memory of a many-threaded
 * gateway) is a figure, measured by bench/dns.ts, not asserted here.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { type MemoryPart, nativeAddon } from './index.js';

const addon = nativeAddon();

const codeOf = (call: () => unknown): unknown => {
  try {
    call();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
};

describe.skipIf(addon === null)('limitMallocArenas', () => {
  const a = addon as MemoryPart;

  test('glibc accepts a limit, and threads started after it allocate as before', async () => {
    expect(a.limitMallocArenas(2)).toBe(true);
    const w = new Worker(
      "require('node:worker_threads').parentPort.postMessage(Buffer.alloc(1 << 20, 7).reduce((s, b) => s + b, 0))",
      { eval: true },
    );
    const sum = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(sum).toBe(7 << 20);
    await w.terminate();
  });

  test.each([
    { name: 'limitMallocArenas(0)', call: () => a.limitMallocArenas(0) },
    { name: 'limitMallocArenas(-1)', call: () => a.limitMallocArenas(-1) },
    { name: 'limitMallocArenas("2")', call: () => a.limitMallocArenas('2' as unknown as number) },
  ])('$name: TypeError ERR_INVALID_ARG', ({ call }) => {
    expect(call).toThrow(TypeError);
    expect(codeOf(call)).toBe('ERR_INVALID_ARG');
  });
});
