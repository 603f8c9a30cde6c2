/**
 * The ceiling of Node's socket layer: a UDP server that answers every datagram with itself,
 * QR bit set, without parsing. Run as its own process by bench/dns.ts.
 *
 *   node dist/bench/bare-udp.js PORT
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2] ?? 0);
const socket = createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  msg[2] |= 0x80;
  socket.send(msg, rinfo.port, rinfo.address);
});
socket.bind(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${socket.address().port}\n`);
});
