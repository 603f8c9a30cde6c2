import { afterEach, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../core/errors.js';
import { parseNasAddress, sendDisconnect } from './disconnect.js';
import { type FakeNas, type NasBehaviour, startFakeNas } from './testing.js';

const SECRET = 'nas-secret';
let nas: FakeNas | undefined;
afterEach(async () => {
  await nas?.close();
  nas = undefined;
});

async function disconnect(behave: (n: number) => NasBehaviour, retries = 2) {
  nas = await startFakeNas(SECRET, behave);
  return sendDisconnect({
    nas: `127.0.0.1:${nas.port}`,
    secret: SECRET,
    attributes: { 'User-Name': 'sub-42', 'Acct-Session-Id': 'S1', 'Framed-IP-Address': '100.64.0.42' },
    timeoutMs: 100,
    retries,
  });
}

describe('sendDisconnect (RFC 5176)', () => {
  test('an ACK', async () => {
    expect(await disconnect(() => 'ack')).toEqual({ outcome: 'ack', attempts: 1, rejected: 0 });
    const request = nas?.received[0];
    expect(request?.code).toBe('Disconnect-Request');
    expect(request?.attributes).toMatchObject({
      'User-Name': 'sub-42',
      'Acct-Session-Id': 'S1',
      'Framed-IP-Address': '100.64.0.42',
    });
    expect(request?.attributes['Event-Timestamp']).toBeDefined();
  });

  test('a NAK carries its Error-Cause', async () => {
    expect(await disconnect(() => ({ nak: 503 }))).toEqual({
      outcome: 'nak',
      errorCause: 503,
      attempts: 1,
      rejected: 0,
    });
  });

  test('silence is retried with the same packet, then a timeout', async () => {
    const result = await disconnect(() => 'silent', 2);
    expect(result).toEqual({ outcome: 'timeout', attempts: 3, rejected: 0 });
    const ids = nas?.received.map((r) => `${r.identifier}/${r.authenticator.toString('hex')}`);
    expect(new Set(ids).size).toBe(1);
    expect(ids).toHaveLength(3);
  });

  test('a retry that is answered succeeds', async () => {
    expect(await disconnect((n) => (n === 0 ? 'silent' : 'ack'))).toMatchObject({
      outcome: 'ack',
      attempts: 2,
    });
  });

  test('a response with a wrong authenticator is ignored', async () => {
    expect(await disconnect(() => 'wrong-secret', 1)).toEqual({
      outcome: 'timeout',
      attempts: 2,
      rejected: 2,
    });
  });

  test.each(['127.0.0.1', 'host:99999', '[::1:3799', ':3799'])('nas %s is a GH_ERR_RADIUS_CONFIG', (text) => {
    expect(() => parseNasAddress(text)).toThrow();
    try {
      parseNasAddress(text);
    } catch (err) {
      expect(isGatehouseError(err, 'GH_ERR_RADIUS_CONFIG')).toBe(true);
    }
  });

  test.each<[string, { host: string; port: number }]>([
    ['127.0.0.1:3799', { host: '127.0.0.1', port: 3799 }],
    ['[::1]:3799', { host: '::1', port: 3799 }],
    ['nas.example:1700', { host: 'nas.example', port: 1700 }],
  ])('parses %s', (text, expected) => {
    expect(parseNasAddress(text)).toEqual(expected);
  });

  test('no session attributes is a GH_ERR_RADIUS_CONFIG', async () => {
    const err = await sendDisconnect({ nas: '127.0.0.1:3799', secret: 's', attributes: {} }).catch((e) => e);
    expect(isGatehouseError(err, 'GH_ERR_RADIUS_CONFIG')).toBe(true);
  });
});
