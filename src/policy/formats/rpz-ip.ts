/**
 * RPZ address triggers (draft-vixie-dnsop-dns-rpz §4.2): `32.1.2.0.192.rpz-ip` is 192.0.2.1/32;
 * IPv6 writes the 16-bit groups in reverse with `zz` for the longest run of zero groups
 * (`128.1.zz.db8.2001.rpz-ip` is 2001:db8::1/128). The prefix length comes first.
 */
import { formatPrefix, type Prefix, parsePrefix } from '../../core/net/address.js';

const DECIMAL = /^\d{1,3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

/**
 * Decodes the labels in front of `.rpz-ip` / `.rpz-client-ip` into a canonical prefix
 * (`192.0.2.0/24`, `2001:db8::1`), or returns what is wrong.
 */
export function decodeRpzIp(labelsText: string): string | { error: string } {
  const labels = labelsText.toLowerCase().split('.');
  const bad = { error: `invalid rpz-ip trigger "${labelsText}"` };
  if (labels.length < 2 || !DECIMAL.test(labels[0])) return bad;
  const length = labels[0];
  const parts = labels.slice(1).reverse();
  let address: string;
  if (parts.length === 4 && parts.every((p) => DECIMAL.test(p))) address = parts.join('.');
  else {
    if (!parts.every((p) => p === 'zz' || HEX_GROUP.test(p))) return bad;
    const zz = parts.indexOf('zz');
    if (zz >= 0 && parts.lastIndexOf('zz') !== zz) return bad;
    address = zz < 0 ? parts.join(':') : `${parts.slice(0, zz).join(':')}::${parts.slice(zz + 1).join(':')}`;
  }
  const prefix = parsePrefix(`${address}/${length}`);
  if (!prefix) return { error: `invalid rpz-ip prefix "${address}/${length}" (host bits set or bad length)` };
  return formatPrefix(prefix);
}

/** Encodes a prefix as the labels of an RPZ address trigger, without the `.rpz-ip` suffix. */
export function encodeRpzIp(p: Prefix): string {
  if (p.family === 4) {
    const v = p.words[3];
    return `${p.length}.${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}`;
  }
  const groups: number[] = [];
  for (const w of p.words) groups.push(w >>> 16, w & 0xffff);
  // Longest run of two or more zero groups becomes `zz` (as RFC 5952 chooses `::`).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const labels = groups.map((g) => g.toString(16));
  if (best >= 0) labels.splice(best, bestLen, 'zz');
  return `${p.length}.${labels.reverse().join('.')}`;
}
