/**
 * Opens many TCP connections to a port and keeps them open, idle, for bench/proxy.ts to weigh
 * the server's memory per connection. Its own process, so its sockets are not the bench's.
 *
 *   node dist/bench/idle-clients.js PORT COUNT MODE
 *
 * MODE `none` sends nothing (an accepted, idle connection); `partial` sends the start of a
 * request head and never finishes it (a connection holding a head reader). Prints one JSON line
 * when all are opened; each "status" line on stdin prints how many are still open.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 10_000);
const mode = process.argv[4] === 'partial' ? 'partial' : 'none';
const PARTIAL = 'GET http://origin.bench/1k HTTP/1.1\r\nHost: origin.bench\r\nUser-Agent: idle-clients\r\n';
const IN_FLIGHT = 256;

const sockets: net.Socket[] = [];
let open = 0;
let failed = 0;
let closed = 0;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      open++;
      sockets.push(s);
      if (mode === 'partial') s.write(PARTIAL);
      s.once('close', () => {
        open--;
        closed++;
      });
      resolve();
    });
    s.on('error', () => {});
    s.once('error', () => {
      failed++;
      resolve();
    });
    s.on('data', () => {}); // a 408 or anything else: read and ignore
  });
}

let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    next++;
    await one();
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
process.stdout.write(
  `${JSON.stringify({ opened: open, failed, ms: Math.round(performance.now() - t0), mode })}\n`,
);
createInterface({ input: process.stdin }).on('line', () => {
  process.stdout.write(`${JSON.stringify({ open, closed, failed })}\n`);
});
process.stdin.on('end', () => process.exit(0));
