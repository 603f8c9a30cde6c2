/**
 * Which UDP listener the gateway runs: the native batch endpoint (udp-batch.ts) when the addon
 * has it and `dns.udpBatch` allows it, else Node's dgram (udp.ts); `why` is the log line.
 */
import type { NativeAddon } from '../../native/index.js';
import { DEFAULT_SLOTS } from './udp-batch.js';

/** True when `addon` has the batch functions (an addon built before native/udp_batch.c lacks them). */
export function hasUdpBatch(addon: Partial<NativeAddon> | null): addon is NativeAddon {
  return typeof addon?.udpBatchOpen === 'function';
}

/** Which UDP listener runs, and why, in words for the one log line that says so. */
export interface UdpPath {
  /** The addon to batch with, or null for Node's dgram. */
  readonly native: NativeAddon | null;
  readonly why: string;
}

/**
 * The batch listener when the addon has it and `asked` is not false; else Node's dgram, one
 * datagram per callback. `unavailable` says why the addon did not load (`nativeUnavailable`).
 */
export function chooseUdpPath(
  asked: boolean | undefined,
  addon: NativeAddon | null,
  unavailable: string,
): UdpPath {
  if (asked === false)
    return { native: null, why: 'node dgram, one datagram per callback (dns.udpBatch is false)' };
  if (addon === null)
    return { native: null, why: `node dgram, one datagram per callback (native addon ${unavailable})` };
  if (!hasUdpBatch(addon))
    return {
      native: null,
      why: 'node dgram, one datagram per callback (native addon built without udp_batch.c)',
    };
  return { native: addon, why: `native recvmmsg/sendmmsg, up to ${DEFAULT_SLOTS} datagrams per call` };
}
