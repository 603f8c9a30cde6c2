import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzClientHello, fuzzRequestHead, helloCorpus } from './proxy-parsers.fuzz.js';

const COUNT = Number(process.env.GATEHOUSE_FUZZ_MUTATIONS ?? 20_000);
let corpus: Buffer[] = [];

beforeAll(async () => {
  corpus = await helloCorpus();
});

describe('proxy parsers fuzz', () => {
  it('the ClientHello reader survives 20k mutations of real hellos', () => {
    const report = fuzzClientHello(corpus, COUNT, 11);
    expect(report.samples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.count).toBe(COUNT);
    // The mutations reach deep: parsed hellos and many distinct refusals.
    expect(report.outcomes.done).toBeGreaterThan(COUNT / 20);
    expect(Object.keys(report.outcomes).length).toBeGreaterThan(10);
  });

  it('the request head reader survives 20k mutations of real heads', () => {
    const report = fuzzRequestHead(COUNT, 13);
    expect(report.samples).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.outcomes.done).toBeGreaterThan(COUNT / 20);
    expect(Object.keys(report.outcomes).length).toBeGreaterThan(10);
  });
});
