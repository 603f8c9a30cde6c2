/**
 * The configuration a node starts with is an administrative act too (issue 5: "every administrative
 * act … configuration"): each start appends `config.load` with a digest of the effective
 * configuration, so an auditor can tell when a node's settings changed and match the digest against
 * the file under change control. Secrets (RADIUS shared secrets, passwords, keys) are replaced by a
 * marker before hashing: a digest of a short secret could otherwise be guessed offline.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditInput } from './types.js';

const SECRET_KEY = /secret|password|key$/i;

/** `value` as JSON with sorted keys and secrets masked, so equal settings give equal digests. */
export function canonicalConfig(value: unknown): string {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string' && SECRET_KEY.test(key)) return '[secret]';
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = walk((v as Record<string, unknown>)[k], k);
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value, ''));
}

/** The audit entry for a node starting with `config`. */
export function configLoadAct(config: unknown, node: string = hostname()): AuditInput {
  const sha256 = createHash('sha256').update(canonicalConfig(config)).digest('hex');
  return { actor: 'system', action: 'config.load', object: `node/${node}`, details: { sha256 } };
}
