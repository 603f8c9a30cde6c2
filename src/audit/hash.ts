/**
 * The hash chain. Each entry's hash is SHA-256 over the UTF-8 bytes of this canonical JSON array
 * (RFC 8785 form: no whitespace; strings escaped as JSON.stringify does; details already canonical):
 *
 *   ["gatehouse-audit/1",SEQ,TIME,"ACTOR","ACTION","OBJECT",DETAILS,"PREV"]
 *
 * The leading tag separates these hashes from any other SHA-256 in the system and versions the
 * encoding. `docs/audit.md` shows how to recompute it with `sha256sum` or `openssl dgst`.
 */
import { hash } from 'node:crypto';
import type { AuditRecord } from './types.js';

/** The tag that opens every encoded entry; a new encoding gets a new tag. */
export const AUDIT_ENCODING = 'gatehouse-audit/1';

/** The `prev` of entry 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The exact text that is hashed for an entry (its `hash` field is not part of it). */
export function encodeAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { seq, time, actor, action, object, details, prev } = record;
  const text = (s: string) => JSON.stringify(s);
  return `[${text(AUDIT_ENCODING)},${seq},${time},${text(actor)},${text(action)},${text(object)},${details},${text(prev)}]`;
}

/** SHA-256 (lowercase hex) of the UTF-8 bytes of `encodeAuditRecord(record)`. */
export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  // The one-shot `crypto.hash` (Node ≥ 20.12) is markedly cheaper than createHash for short inputs,
  // which matters when verify walks a million entries.
  return hash('sha256', encodeAuditRecord(record), 'hex');
}
