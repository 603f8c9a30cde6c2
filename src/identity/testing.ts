/**
 * Test fixtures for RADIUS, built with the `radius` npm package (an implementation independent
 * of ours): Accounting-Requests as a NAS sends them, and a fake NAS answering Disconnect-Requests.
 */
import dgram from 'node:dgram';
import radius, { type DecodedPacket } from 'radius';

/** One attribute as `[dictionary name or type, value]`. */
export type TestAttribute = [string | number, string | number | Buffer];

/** An Accounting-Request encoded by the `radius` package (Request Authenticator per RFC 2866 §3). */
export function accountingRequest(attributes: TestAttribute[], secret: string, identifier = 1): Buffer {
  return radius.encode({ code: 'Accounting-Request', secret, identifier, attributes });
}

/** The attributes of a typical Start/Stop/Interim for one subscriber at one IPv4 address. */
export function sessionAttributes(
  status: 'Start' | 'Stop' | 'Interim-Update' | 'Accounting-On' | 'Accounting-Off',
  extra: TestAttribute[] = [],
): TestAttribute[] {
  return [['Acct-Status-Type', status], ['NAS-IP-Address', '192.0.2.10'], ...extra];
}

/** An IPv6 prefix attribute value (RFC 3162 §2.3 layout: reserved, length, trimmed prefix). */
export function prefixValue(words: readonly number[], length: number): Buffer {
  const full = Buffer.alloc(16);
  words.forEach((w, i) => {
    full.writeUInt32BE(w >>> 0, 4 * i);
  });
  return Buffer.concat([Buffer.from([0, length]), full.subarray(0, Math.ceil(length / 8))]);
}

/** How the fake NAS answers: ACK, NAK with an Error-Cause, silence, or a response signed wrongly. */
export type NasBehaviour = 'ack' | { nak: number } | 'silent' | 'wrong-secret';

/** A fake NAS on 127.0.0.1:0 answering Disconnect-Requests (RFC 5176). */
export interface FakeNas {
  readonly port: number;
  /** Decoded requests received, in order. */
  readonly received: DecodedPacket[];
  close(): Promise<void>;
}

/** Starts a fake NAS; `behave(n)` decides the answer to the n-th request (0-based). */
export async function startFakeNas(secret: string, behave: (n: number) => NasBehaviour): Promise<FakeNas> {
  const socket = dgram.createSocket('udp4');
  const received: DecodedPacket[] = [];
  socket.on('message', (msg, rinfo) => {
    let packet: DecodedPacket;
    try {
      packet = radius.decode({ packet: msg, secret });
    } catch {
      return;
    }
    const b = behave(received.length);
    received.push(packet);
    if (b === 'silent') return;
    const reply =
      b === 'ack' || b === 'wrong-secret'
        ? radius.encode_response({
            packet,
            code: 'Disconnect-ACK',
            secret: b === 'wrong-secret' ? `${secret}-not` : secret,
          })
        : radius.encode_response({
            packet,
            code: 'Disconnect-NAK',
            secret,
            attributes: [['Error-Cause', b.nak]],
          });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    received,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
