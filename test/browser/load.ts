/** Load for the dashboard test: a steady stream of UDP DNS queries to the gateway, loopback only. */
import { createSocket } from 'node:dgram';
import { encodeQuery } from '../helpers/dns-client.js';

/**
 * Keeps the gateway under load (about 400 UDP queries a second, a quarter of them for the blocked
 * name, none awaited one by one) until the returned function is called; it resolves with the number
 * of answers received.
 */
export async function startLoad(port: number, blocked: string): Promise<() => Promise<number>> {
  const socket = createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  let answered = 0;
  let sent = 0;
  socket.on('message', () => {
    answered++;
  });
  const timer = setInterval(() => {
    for (let k = 0; k < 40; k++, sent++) {
      const name = sent % 4 === 0 ? `n${sent}.${blocked}` : `n${sent}.example.test`;
      socket.send(encodeQuery(name, 'A', { id: sent & 0xffff }), port, '127.0.0.1');
    }
  }, 100);
  return async () => {
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 500));
    socket.close();
    return answered;
  };
}
