/** Client and destination addresses as the exporters put them on the wire. */
import { parseAddress } from '../../core/net/address.js';

/** Address text to network-order bytes; IPv4-mapped IPv6 becomes IPv4. Null when unparseable. */
export function addressBytes(text: string | null): Uint8Array | null {
  if (text === null) return null;
  const a = parseAddress(text);
  if (!a) return null;
  const w = a.words;
  const v4 = a.family === 4 || (w[0] === 0 && w[1] === 0 && w[2] === 0xffff);
  const out = Buffer.alloc(v4 ? 4 : 16);
  if (v4) out.writeUInt32BE(w[3] >>> 0, 0);
  else for (let i = 0; i < 4; i++) out.writeUInt32BE((w[i] as number) >>> 0, i * 4);
  return out;
}
