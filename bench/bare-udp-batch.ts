/**
 * The ceiling of the batched socket layer: bench/bare-udp.ts (every datagram answered with
 * itself, QR bit set, nothing parsed) through the native addon's recvmmsg/sendmmsg endpoint
 * (native/udp_batch.c) instead of Node's dgram. Run as its own process by bench/dns.ts.
 *
 *   node dist/bench/bare-udp-batch.js PORT
 */
import { nativeAddon, nativeUnavailable } from '../src/native/index.js';

const addon = nativeAddon();
if (addon === null || typeof addon.udpBatchOpen !== 'function') {
  process.stderr.write(
    `bare-udp-batch: no native batch endpoint (${nativeUnavailable() || 'built without it'})\n`,
  );
  process.exit(1);
}
const SLOTS = 64;
const SLOT = 4096;
// The layout of native/udp_batch.c: 8 counters, 8 words per datagram, then 4 per answer.
const OUT_META = 8 + SLOTS * 8;
const recv = new Uint8Array(SLOTS * SLOT);
const ctrl = new Int32Array(8 + SLOTS * 12);
const out = new Uint8Array(SLOTS * SLOT);

const { fd } = addon.bindSocket('udp', '127.0.0.1', Number(process.argv[2] ?? 0), false);
const opened = addon.udpBatchOpen(
  fd,
  recv.buffer,
  SLOT,
  ctrl.buffer,
  out.buffer,
  (count) => {
    let used = 0;
    for (let i = 0; i < count; i++) {
      const len = ctrl[8 + i * 8];
      out.set(recv.subarray(i * SLOT, i * SLOT + len), used);
      out[used + 2] |= 0x80;
      const o = OUT_META + i * 4;
      ctrl[o] = i;
      ctrl[o + 1] = used;
      ctrl[o + 2] = len;
      used += len;
    }
    return count;
  },
  4 * 1024 * 1024,
  0,
);
process.stdout.write(`listening ${opened.port}\n`);
