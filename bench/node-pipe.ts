/**
 * The floor of a Node proxy: each connection piped to the origin both ways, nothing parsed.
 * Run as its own process by bench/proxy.ts.
 *
 *   node dist/bench/node-pipe.js LISTEN_PORT ORIGIN_PORT
 */
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const origin = Number(process.argv[3]);
const server = net.createServer((c) => {
  const o = net.connect(origin, '127.0.0.1');
  c.on('error', () => o.destroy());
  o.on('error', () => c.destroy());
  c.pipe(o).pipe(c);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`);
});
