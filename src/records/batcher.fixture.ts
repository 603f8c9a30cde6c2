/**
 * Test fixture for the batcher's tests: an in-memory spool holding at most `max` batches; like the
 * disk spool, `ack` removes only what `peek` returned.
 */
import type { BatchSpool } from './types.js';

export function memorySpool<T>(max = Number.POSITIVE_INFINITY, initial: T[][] = []) {
  const batches = initial.map((b) => [...b]);
  let peeked = false;
  const spool: BatchSpool<T> = {
    append: (b) => batches.length < max && batches.push([...b]) > 0,
    peek: () => {
      peeked = batches.length > 0;
      return batches[0];
    },
    ack: () => {
      if (peeked) batches.shift();
      peeked = false;
    },
    isEmpty: () => batches.length === 0,
    sync: () => undefined,
  };
  return { spool, batches };
}
