/**
 * A bare DNS client for tests, built on dns-packet: encode a query, send it over UDP or TCP
 * to a loopback port, decode the answer. Independent of the code under test on purpose.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';

/** Options of `encodeQuery`. */
export interface QueryOptions {
  readonly id?: number;
  /** Add an OPT record advertising this UDP payload size (RFC 6891). */
  readonly edns?: number;
  readonly ednsVersion?: number;
}

/** A recursive query (RD=1) for one name and type. */
export function encodeQuery(name: string, type: RecordType = 'A', options: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? 0x1234,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals:
      options.edns === undefined
        ? []
        : [
            {
              name: '.',
              type: 'OPT',
              udpPayloadSize: options.edns,
              extendedRcode: 0,
              ednsVersion: options.ednsVersion ?? 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ],
  });
}

/** The RCODE of a decoded answer (dns-packet keeps it in the low bits of `flags`). */
export function rcode(p: DecodedPacket): number {
  return (p.flags ?? 0) & 0x0f;
}

/** Sends one datagram to 127.0.0.1:port and resolves with the first datagram back. */
export function askUdp(port: number, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('udp: no answer')), timeoutMs);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
    socket.send(query, port, '127.0.0.1');
  }).finally(() => socket.close());
}

/** Sends one length-prefixed query over a fresh TCP connection and resolves with the answer. */
export function askTcp(port: number, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tcp: no answer')), timeoutMs);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    socket.write(Buffer.concat([len, query]));
  }).finally(() => socket.destroy());
}
