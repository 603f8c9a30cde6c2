/**
 * Walking the chain: each entry must have the next seq, link to the previous entry's hash, and hash to
 * its stored hash. The walk stops at the first entry that does not, and says how it is broken:
 *
 *   missing      a seq is skipped (entries deleted)
 *   modified     the entry's contents no longer match its hash; or, when the entry after it is intact
 *                and still names the old hash, the entry was rewritten with a recomputed hash
 *   inserted     a self-consistent entry that does not link to its predecessor (forged and added)
 *   reordered    neither hash nor link holds, and the rightful successor sits at another seq
 *   broken-link  neither hash nor link holds, and no entry links to the predecessor (its `prev` edited)
 *
 * The walk is pure apart from one optional lookup, made only once a break is found.
 */
import { GENESIS_HASH, hashAuditRecord } from './hash.js';
import type { AuditHead, AuditRecord, VerifyFailure, VerifyOptions, VerifyResult } from './types.js';

/** Finds the seq of an entry whose `prev` is `hash`, other than `notSeq`; undefined when there is none. */
export type FindSuccessor = (hash: string, notSeq: number) => Promise<number | undefined>;

/** What `verifyChain` needs besides the entries. */
export interface ChainOptions extends Pick<VerifyOptions, 'trusted'> {
  /** Tells a reordering from a broken link; without it such breaks are reported as `broken-link`. */
  readonly findSuccessor?: FindSuccessor;
}

type Step = VerifyFailure | { readonly unlinked: AuditRecord } | undefined;

const fail = (seq: number, problem: VerifyFailure['problem'], expected?: string, found?: string) =>
  ({ ok: false, seq, problem, expected, found }) as VerifyFailure;

/** The walk's state: the last accepted entry. */
class Walk {
  head: AuditHead = { seq: 0, hash: GENESIS_HASH, time: 0 };

  constructor(readonly trusted: VerifyOptions['trusted']) {}

  /** Checks `row`, the next entry by seq, knowing the one after it (undefined at the end). */
  step(row: AuditRecord, next: AuditRecord | undefined): Step {
    const { seq: last, hash: prev } = this.head;
    if (row.seq > last + 1) return fail(last + 1, 'missing', `seq ${last + 1}`, `seq ${row.seq}`);
    if (row.seq !== last + 1) return fail(row.seq, 'inserted', `seq ${last + 1}`, `seq ${row.seq}`);
    const hash = hashAuditRecord(row);
    const linked = row.prev === prev;
    if (hash !== row.hash) {
      return linked ? fail(row.seq, 'modified', row.hash, hash) : { unlinked: row };
    }
    if (!linked) {
      // The entry is self-consistent. If the chain carries on from it, it is genuine and the entry
      // before it was rewritten (hash recomputed); otherwise it is a forged entry that was added.
      if (next?.prev === row.hash && last > 0) return fail(last, 'modified', row.prev, prev);
      return fail(row.seq, row.seq === 1 ? 'broken-link' : 'inserted', prev, row.prev);
    }
    this.head = { seq: row.seq, hash, time: row.time };
    const trusted = this.trusted;
    if (trusted !== undefined && row.seq === trusted.seq && hash !== trusted.hash) {
      return fail(row.seq, 'modified', trusted.hash, hash);
    }
    return undefined;
  }

  /** The result once every entry was accepted. */
  end(): VerifyResult {
    const trusted = this.trusted;
    if (trusted !== undefined && this.head.seq < trusted.seq) {
      return fail(this.head.seq + 1, 'missing', `seq ${trusted.seq}`, 'end of log');
    }
    return { ok: true, entries: this.head.seq, head: this.head };
  }
}

async function explain(walk: Walk, row: AuditRecord, find?: FindSuccessor): Promise<VerifyFailure> {
  const prev = walk.head.hash;
  const elsewhere = find === undefined ? undefined : await find(prev, row.seq);
  if (elsewhere !== undefined) return fail(row.seq, 'reordered', `seq ${row.seq}`, `seq ${elsewhere}`);
  return fail(row.seq, 'broken-link', prev, row.prev);
}

/**
 * Verifies a chain given as pages of entries in ascending seq order, from entry 1. Holds one entry
 * back so a break can look one entry ahead; everything else streams.
 */
export async function verifyChain(
  pages: AsyncIterable<readonly AuditRecord[]> | Iterable<readonly AuditRecord[]>,
  options: ChainOptions = {},
): Promise<VerifyResult> {
  const walk = new Walk(options.trusted);
  const settle = (step: NonNullable<Step>): VerifyFailure | Promise<VerifyFailure> =>
    'unlinked' in step ? explain(walk, step.unlinked, options.findSuccessor) : step;
  let held: AuditRecord | undefined;
  for await (const page of pages) {
    for (const row of page) {
      if (held !== undefined) {
        const step = walk.step(held, row);
        if (step !== undefined) return settle(step);
      }
      held = row;
    }
  }
  const step = held === undefined ? undefined : walk.step(held, undefined);
  if (step !== undefined) return settle(step);
  return walk.end();
}
