/**
 * The audit log's public face: the entry encoding and hash, chain verification, signed heads and the
 * human report. The log itself is `store.audit` (see `store/types.ts`); `docs/audit.md` documents all of it.
 */
export { type AuditUnit, auditRepositories, type Repositories, type RunUnit } from './acts.js';
export { canonicalDetails, canonicalJson } from './canonical.js';
export { AUDIT_ENCODING, encodeAuditRecord, GENESIS_HASH, hashAuditRecord } from './hash.js';
export {
  HEAD_ENCODING,
  headSigningInput,
  loadOrCreateSigningKey,
  SIGNING_KEY_FILE,
  type SigningKey,
  signHead,
  verifyHead,
} from './head.js';
export { MAX_DETAILS_LENGTH, normaliseAuditInput } from './input.js';
export { auditVerifyReport } from './report.js';
export type * from './types.js';
export { type ChainOptions, type FindSuccessor, verifyChain } from './verify.js';
