/**
 * Policy bundles: a compiled policy as bytes, for nodes that receive it over the network
 * and for worker threads (which get `policy.parts` by postMessage: the SharedArrayBuffer
 * is shared, not copied).
 *
 *   0   "GHPB"                    magic
 *   4   u32 format version        (BUNDLE_VERSION)
 *   8   u32 meta length M         JSON: createdAt, orders, layout, address, URL and class rules
 *   12  32 bytes SHA-256          of everything after the header
 *   44  M bytes meta, zero padding to a multiple of 8, then the domain table bytes
 */
import { createHash } from 'node:crypto';
import { GatehouseError } from '../core/errors.js';
import { type CompiledOrder, CompiledPolicy } from './compile.js';

/**
 * Bumped on any change to the layout of a bundle or of the domain table. 3: class rules. A node of
 * an older build refuses a newer bundle and keeps its last good policy, rather than silently
 * dropping rules it does not know (an international throttle would otherwise vanish).
 */
export const BUNDLE_VERSION = 3;
const MAGIC = 0x47485042; // "GHPB"
const HEADER = 44;

/** Serialises a compiled policy into a self-checking, versioned bundle. */
export function toBundle(policy: CompiledPolicy): Buffer {
  const p = policy.parts;
  const meta = Buffer.from(
    JSON.stringify({
      createdAt: p.createdAt,
      orders: p.orders.map((o) => ({ ...o, scopeSet: o.scopeSet ? [...o.scopeSet] : null })),
      domainLayout: p.domainLayout,
      prefixRules: p.prefixRules,
      urlRules: p.urlRules,
      classRules: p.classRules ?? [],
    }),
  );
  const pad = (8 - ((HEADER + meta.length) % 8)) % 8;
  const table = Buffer.from(new Uint8Array(p.domainBuffer));
  const body = Buffer.concat([meta, Buffer.alloc(pad), table]);
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(BUNDLE_VERSION, 4);
  header.writeUInt32BE(meta.length, 8);
  createHash('sha256').update(body).digest().copy(header, 12);
  return Buffer.concat([header, body]);
}

/** Reads a bundle back; refuses a wrong magic, version or checksum with GH_ERR_POLICY_BUNDLE. */
export function fromBundle(bytes: Uint8Array): CompiledPolicy {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new GatehouseError('GH_ERR_POLICY_BUNDLE', `reading policy bundle: ${why}`);
  if (buf.length < HEADER || buf.readUInt32BE(0) !== MAGIC) throw fail('not a gatehouse policy bundle');
  const version = buf.readUInt32BE(4);
  if (version !== BUNDLE_VERSION)
    throw fail(`unsupported version ${version} (this build reads ${BUNDLE_VERSION})`);
  const body = buf.subarray(HEADER);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(12, 44)))
    throw fail('checksum mismatch');
  const metaLength = buf.readUInt32BE(8);
  if (metaLength > body.length) throw fail('truncated');
  let meta: {
    createdAt: number;
    orders: (Omit<CompiledOrder, 'scopeSet'> & { scopeSet: string[] | null })[];
    domainLayout: CompiledPolicy['parts']['domainLayout'];
    prefixRules: { value: string; meta: number }[];
    urlRules: { value: string; meta: number }[];
    classRules?: NonNullable<CompiledPolicy['parts']['classRules']>;
  };
  try {
    meta = JSON.parse(body.subarray(0, metaLength).toString('utf8'));
  } catch {
    throw fail('corrupt metadata');
  }
  const start = metaLength + ((8 - ((HEADER + metaLength) % 8)) % 8);
  const table = new SharedArrayBuffer(body.length - start);
  new Uint8Array(table).set(body.subarray(start));
  return new CompiledPolicy({
    ...meta,
    orders: meta.orders.map((o) => ({ ...o, scopeSet: o.scopeSet ? new Set(o.scopeSet) : null })),
    domainBuffer: table,
  });
}
