import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeAuditRecord, GENESIS_HASH, hashAuditRecord } from './hash.js';

// The worked example in docs/audit.md: keep the two in step.
const FIRST = {
  seq: 1,
  time: 1_700_000_000_000,
  actor: 'alice',
  action: 'order.create',
  object: 'order/17',
  details: '{"decisionRef":"2024/123","targets":4,"title":"Block example"}',
  prev: GENESIS_HASH,
};
const FIRST_HASH = 'a3640e0608bc02b4f804b1bf9e37d0baeb0ff621a1024d2e45c7e7bf08ad27e1';
const SECOND = {
  seq: 2,
  time: 1_700_000_060_000,
  actor: 'bob',
  action: 'order.approve',
  object: 'order/17',
  details: '{"from":"pending-approval","to":"active"}',
  prev: FIRST_HASH,
};

describe('the entry hash', () => {
  it('encodes an entry as the documented canonical JSON array', () => {
    expect(encodeAuditRecord(FIRST)).toBe(
      '["gatehouse-audit/1",1,1700000000000,"alice","order.create","order/17",' +
        `{"decisionRef":"2024/123","targets":4,"title":"Block example"},"${'0'.repeat(64)}"]`,
    );
  });

  it('matches the worked example in docs/audit.md', () => {
    expect(hashAuditRecord(FIRST)).toBe(FIRST_HASH);
    expect(hashAuditRecord(SECOND)).toBe('166b31d73c0a9f7de2a0c6304a53aff426888c1c3882868c5690ba31b9355ced');
  });

  it('hashes the UTF-8 bytes of the encoding, escaping what JSON escapes', () => {
    const odd = { ...FIRST, actor: 'zoë', object: 'user/"quoted"\\' };
    expect(encodeAuditRecord(odd)).toContain('"zoë","order.create","user/\\"quoted\\"\\\\"');
    const utf8 = createHash('sha256')
      .update(Buffer.from(encodeAuditRecord(odd), 'utf8'))
      .digest('hex');
    expect(hashAuditRecord(odd)).toBe(utf8);
  });

  it.each([
    ['seq', { seq: 3 }],
    ['time', { time: 1_700_000_000_001 }],
    ['actor', { actor: 'alicf' }],
    ['action', { action: 'order.submit' }],
    ['object', { object: 'order/18' }],
    ['details', { details: '{"decisionRef":"2024/124","targets":4,"title":"Block example"}' }],
    ['prev', { prev: '1'.repeat(64) }],
  ])('covers %s', (_, change) => {
    expect(hashAuditRecord({ ...FIRST, ...change })).not.toBe(FIRST_HASH);
  });
});
