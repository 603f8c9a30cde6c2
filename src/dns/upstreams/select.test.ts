import { describe, expect, it } from 'vitest';
import { rankUpstreams } from './select.js';

const u = (name: string, rtt: number | null, healthy = true) => ({ name, rtt, healthy });
const names = (list: { name: string }[]) => list.map((x) => x.name);

describe('rankUpstreams', () => {
  it('orders healthy upstreams by RTT, unmeasured first, down ones last in configured order', () => {
    const list = [u('slow', 50), u('down1', 1, false), u('fast', 5), u('new', null), u('down2', 0, false)];
    expect(names(rankUpstreams(list, () => 0.99, 0.05))).toEqual(['new', 'fast', 'slow', 'down1', 'down2']);
  });

  it('keeps configured order between equal RTTs', () => {
    expect(names(rankUpstreams([u('a', 5), u('b', 5), u('c', 5)], () => 0.5, 0))).toEqual(['a', 'b', 'c']);
  });

  it('explores: with probability exploreRatio another healthy upstream goes first', () => {
    const rolls = [0.01, 0.99]; // first roll < ratio: explore; second picks the last candidate
    const random = () => rolls.shift() ?? 0;
    expect(names(rankUpstreams([u('a', 1), u('b', 2), u('c', 3)], random, 0.05))).toEqual(['c', 'b', 'a']);
  });

  it('does not explore with a single healthy upstream', () => {
    expect(names(rankUpstreams([u('a', 1), u('b', 0, false)], () => 0, 1))).toEqual(['a', 'b']);
  });
});
