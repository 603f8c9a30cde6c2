import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { type Certificate, ensureCertificate } from '../tls-cert.js';
import { createListeners, parseListen } from './index.js';
import { echoHandler, makeQuery } from './testing.js';

let dir: string;
let cert: Certificate;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-listeners-'));
  cert = await ensureCertificate({ dataDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseListen', () => {
  test.each([
    ['127.0.0.1:53', { host: '127.0.0.1', port: 53 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[2001:DB8::0:1]:0', { host: '2001:db8::1', port: 0 }],
    ['0.0.0.0:853', { host: '0.0.0.0', port: 853 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  test('accepts the configuration object form', () => {
    expect(parseListen({ host: '::', port: 53 })).toEqual({ host: '::', port: 53 });
    expect(parseListen({ host: '10.0.0.1', port: 53 })).toEqual({ host: '10.0.0.1', port: 53 });
  });

  test.each(['127.0.0.1', '::1:53', '[127.0.0.1]:53', 'localhost:53', '127.0.0.1:65536', '127.0.0.1:x', ''])(
    '%j is GH_ERR_DNS_LISTEN_CONFIG quoting it',
    (text) => {
      try {
        parseListen(text);
        expect.unreachable();
      } catch (err) {
        expect(isGatehouseError(err, 'GH_ERR_DNS_LISTEN_CONFIG')).toBe(true);
        expect((err as Error).message).toContain(JSON.stringify(text));
      }
    },
  );
});

describe('createListeners', () => {
  test('builds every configured listener; TCP follows UDP by default', async () => {
    const set = createListeners(
      { udp: ['127.0.0.1:0', '[::1]:0'], dot: ['127.0.0.1:0'], doh: ['127.0.0.1:0'], tls: cert },
      echoHandler,
    );
    const bound = await set.start();
    expect(bound.map((b) => `${b.transport}/${b.family}`)).toEqual([
      'udp/4',
      'udp/6',
      'tcp/4',
      'tcp/6',
      'dot/4',
      'doh/4',
    ]);
    expect(bound.every((b) => b.port > 0)).toBe(true);
    const s = dgram.createSocket('udp4');
    const answer = await new Promise<Buffer>((resolve) => {
      s.once('message', resolve);
      s.send(makeQuery(3), bound[0].port, '127.0.0.1');
    });
    s.close();
    expect(answer.readUInt16BE(0)).toBe(3);
    await set.close();
  });

  test('an explicit empty TCP list runs no TCP listener', () => {
    const set = createListeners({ udp: ['127.0.0.1:0'], tcp: [], dot: [], doh: [] }, echoHandler);
    expect(set.listeners.map((l) => l.transport)).toEqual(['udp']);
  });

  test('DoT or DoH without a certificate is GH_ERR_DNS_LISTEN_CONFIG', () => {
    expect(() => createListeners({ udp: [], dot: ['127.0.0.1:0'], doh: [] }, echoHandler)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_DNS_LISTEN_CONFIG' }),
    );
  });

  test('a clash closes what started and throws GH_ERR_DNS_LISTEN', async () => {
    const first = createListeners({ udp: ['127.0.0.1:0'], dot: [], doh: [] }, echoHandler);
    const [udp] = await first.start();
    const second = createListeners(
      { udp: [], tcp: ['127.0.0.1:0', `127.0.0.1:${udp.port}`], dot: [], doh: [] },
      echoHandler,
    );
    const tcpFirst = createListeners(
      { udp: [], tcp: [`127.0.0.1:${udp.port}`], dot: [], doh: [] },
      echoHandler,
    );
    await tcpFirst.start(); // the TCP port is free: only UDP holds it
    await expect(second.start()).rejects.toMatchObject({
      code: 'GH_ERR_DNS_LISTEN',
      message: `starting tcp listener on "127.0.0.1:${udp.port}": EADDRINUSE`,
    });
    await Promise.all([first.close(), tcpFirst.close(), second.close()]);
  });
});
