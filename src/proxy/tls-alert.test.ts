import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { connect } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { ClientHelloReader } from './sni.js';
import { accessDeniedAlert, internalErrorAlert, tlsAlert, unrecognizedNameAlert } from './tls-alert.js';

describe('alert records', () => {
  test.each([
    ['access_denied', accessDeniedAlert(), '15030300020231'],
    ['access_denied for a TLS 1.0 record', accessDeniedAlert(0x0301), '15030100020231'],
    ['internal_error', internalErrorAlert(), '15030300020250'],
    ['unrecognized_name', unrecognizedNameAlert(), '15030300020270'],
    ['any description', tlsAlert(112, 0x0302), '15030200020270'],
  ])('%s', (_name, bytes, hex) => {
    expect(bytes.toString('hex')).toBe(hex);
  });

  test('each call returns a fresh buffer', () => {
    const a = accessDeniedAlert();
    a[6] = 0;
    expect(accessDeniedAlert()[6]).toBe(49);
  });
});

// A server that reads the ClientHello and answers with one alert, as the gateway does.
let server: Server | undefined;
afterEach(() => server?.close());

async function alertingServer(alert: (recordVersion: number) => Buffer): Promise<number> {
  server = createServer((socket) => {
    const reader = new ClientHelloReader();
    socket.on('data', (chunk: Buffer) => {
      const r = reader.push(chunk);
      if (r.state === 'done') socket.end(alert(r.recordVersion));
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('real clients read the alert', () => {
  test.each([
    ['access_denied', accessDeniedAlert, 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED'],
    ['internal_error', internalErrorAlert, 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR'],
    ['unrecognized_name', unrecognizedNameAlert, 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME'],
  ])('node tls.connect reports %s', async (_name, alert, code) => {
    const port = await alertingServer(() => alert());
    const socket = connect({ host: '127.0.0.1', port, servername: 'blocked.example' });
    const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe(code);
  });

  test('openssl s_client reports access denied with a TLS 1.0 record version echoed', async () => {
    const port = await alertingServer((v) => accessDeniedAlert(v));
    const child = spawn(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'blocked.example'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const [status] = await once(child, 'close');
    expect(status).not.toBe(0);
    expect(output).toMatch(/alert access denied/);
  });
});
