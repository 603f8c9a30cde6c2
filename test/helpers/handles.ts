/**
 * Counts this process's open sockets from /proc/self/fd (Linux). Unlike
 * `process.getActiveResourcesInfo()`, it also sees unref'd sockets, so it proves a `close()`.
 */

import { readdirSync, readlinkSync } from 'node:fs';

/** Open socket file descriptors of this process right now. */
export function openSockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // The fd closed while we were listing.
    }
  }
  return n;
}

/** Waits until `openSockets()` is at most `limit` (closing is asynchronous), or `ms` pass. */
export async function settleSockets(limit: number, ms = 1000): Promise<number> {
  const deadline = Date.now() + ms;
  let n = openSockets();
  while (n > limit && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    n = openSockets();
  }
  return n;
}
