/**
 * The optional native addon (`native/`, built by `npm install` through node-gyp on Linux): the
 * socket options and system calls Node 20 lacks. `nativeAddon()` is null when it is not built,
 * not on Linux, or disabled with GATEHOUSE_NATIVE=0; every caller then falls back to Node's own
 * sockets. The functions each part adds are typed in `NativeAddon` by the part that owns them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemoryPart } from './memory.js';
import type { ThreadsPart } from './threads.js';

/** native/sockets.c: sockets Node 20 cannot make. */
export interface SocketsPart {
  /**
   * A bound (not yet listening), non-blocking socket with SO_REUSEPORT when asked, for Node to
   * adopt (`dgram` `bind({fd})`, `net` `listen({fd})`). Throws an Error whose `code` is the errno
   * name (EADDRINUSE…). Port 0 picks a free port: bind the next sockets of the group to the one returned.
   */
  bindSocket(
    type: 'udp' | 'tcp',
    address: string,
    port: number,
    reusePort: boolean,
  ): { fd: number; port: number };
  /** Closes an fd from `bindSocket` that Node never adopted. */
  closeFd(fd: number): void;
  /**
   * Where a connection was going before a netfilter `redirect`/`dnat` rewrote it
   * (getsockopt SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST). null when conntrack has no entry for it;
   * a tracked connection that was not rewritten answers its own local address and port.
   */
  originalDestination(fd: number): OriginalDestination | null;
}

/** A connection's destination before NAT (`SocketsPart.originalDestination`). */
export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** An open batch endpoint (native/udp_batch.c); only the `udpBatch*` functions use it. */
export type UdpBatchHandle = { readonly __brand: 'UdpBatchHandle' };

/**
 * native/udp_batch.c: recvmmsg/sendmmsg, many datagrams per system call and per JS callback.
 * The memory layout of `recv`, `ctrl` and `out` is described in that file and mirrored by
 * src/dns/listeners/udp-batch.ts.
 */
export interface UdpBatchPart {
  /**
   * Starts reading `fd` (a bound UDP socket) on this thread's loop; takes the fd over (closing the
   * endpoint closes it) unless it throws. `onBatch(count)` sees `count` datagrams and returns how
   * many answers it queued in `out`. `rcvbuf`/`sndbuf`: socket buffer sizes, 0 keeps the kernel's.
   */
  udpBatchOpen(
    fd: number,
    recv: ArrayBuffer,
    slotSize: number,
    ctrl: ArrayBuffer,
    out: ArrayBuffer,
    onBatch: (count: number) => number,
    rcvbuf: number,
    sndbuf: number,
  ): { handle: UdpBatchHandle; address: string; port: number; family: 4 | 6 };
  /** Sends one datagram now: 0, or the errno (EAGAIN too: answers never wait; EBADF after close). */
  udpBatchSendTo(
    handle: UdpBatchHandle,
    data: Uint8Array,
    family: 4 | 6,
    port: number,
    scope: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
  ): number;
  /** Stops reading and closes the fd at once; idempotent. */
  udpBatchClose(handle: UdpBatchHandle): void;
}

/** What the addon exports (each part of `native/` adds its own members). */
export type NativeAddon = SocketsPart & UdpBatchPart & ThreadsPart & MemoryPart;

const ADDON = join('build', 'Release', 'gatehouse_native.node');

/** The repository root: the nearest folder above this file holding `binding.gyp` (src/ and dist/src/ alike). */
function addonPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) {
      const file = join(dir, ADDON);
      return existsSync(file) ? file : null;
    }
    dir = dirname(dir);
  }
  return null;
}

let loaded: NativeAddon | null | undefined;
let why = '';

/** The addon, or null (see `nativeUnavailable()` for why). Loaded once per thread. */
export function nativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.GATEHOUSE_NATIVE === '0') why = 'disabled by GATEHOUSE_NATIVE=0';
  else if (process.platform !== 'linux') why = `not built on ${process.platform}`;
  else {
    const file = addonPath();
    if (file === null) why = `not built (${ADDON} missing: run npm install)`;
    else {
      try {
        loaded = createRequire(import.meta.url)(file) as NativeAddon;
      } catch (err) {
        why = `failed to load: ${(err as Error).message}`;
      }
    }
  }
  return loaded;
}

/** Why `nativeAddon()` is null ('' when it loaded). */
export function nativeUnavailable(): string {
  nativeAddon();
  return why;
}
