/**
 * A seeded generator of plausible domain names, for filling benchmarks up to a million
 * rules deterministically (same seed, same names, every run and every machine).
 */

/** mulberry32: a tiny, fast, seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TLDS = [
  'com',
  'net',
  'org',
  'info',
  'io',
  'de',
  'ru',
  'xyz',
  'top',
  'co.uk',
  'com.br',
  'online',
  'site',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Yields `count` distinct-looking names of 1–3 labels under a common TLD (about 20 characters on average). */
export function* seededNames(count: number, seed = 20261128): Generator<string> {
  const rnd = seededRandom(seed);
  const label = (min: number, max: number) => {
    const len = min + Math.floor(rnd() * (max - min + 1));
    let s = '';
    for (let i = 0; i < len; i++) s += LETTERS[Math.floor(rnd() * (i === 0 ? 26 : LETTERS.length))];
    return s;
  };
  for (let i = 0; i < count; i++) {
    const sub = rnd() < 0.35 ? `${label(2, 8)}.` : '';
    yield `${sub}${label(5, 14)}.${TLDS[Math.floor(rnd() * TLDS.length)]}`;
  }
}
