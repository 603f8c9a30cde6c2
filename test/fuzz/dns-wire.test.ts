import { describe, expect, it } from 'vitest';
import { runFuzz } from './dns-wire.fuzz.js';

describe('dns wire fuzz', () => {
  it('survives 20k mutations of real queries and responses', () => {
    const report = runFuzz(Number(process.env.GATEHOUSE_FUZZ_MUTATIONS ?? 20_000), 7);
    expect(report.samples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.count).toBeGreaterThanOrEqual(20_000);
    // The mutations reach deep: parsed queries and several distinct refusals.
    expect(report.outcomes.ok).toBeGreaterThan(1000);
    expect(Object.keys(report.outcomes).length).toBeGreaterThan(6);
  });
});
