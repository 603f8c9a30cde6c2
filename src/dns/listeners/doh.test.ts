import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { openSockets, settleSockets } from '../../../test/helpers/handles.js';
import { type Certificate, ensureCertificate } from '../tls-cert.js';
import type { DnsHandler, Listener } from './contract.js';
import { createDohListener, type DohListenerOptions } from './doh.js';
import { answerHandler, capturing, delayed, makeQuery, recordingMetrics } from './testing.js';

let dir: string;
let cert: Certificate;
const open: Listener[] = [];
const sessions: http2.ClientHttp2Session[] = [];
const agents: https.Agent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-doh-'));
  cert = await ensureCertificate({ dataDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  for (const a of agents.splice(0)) a.destroy();
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(handler: DnsHandler = answerHandler(), extra: Partial<DohListenerOptions> = {}) {
  const metrics = recordingMetrics();
  const l = createDohListener({
    address: '127.0.0.1',
    port: 0,
    handler,
    metrics,
    cert: cert.cert,
    key: cert.key,
    ...extra,
  });
  open.push(l);
  return { l, port: (await l.start()).port, metrics };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface Ask {
  method: string;
  path: string;
  type?: string;
  body?: Buffer;
}

function h2(port: number, ask: Ask): Promise<Reply> {
  const session = http2.connect(`https://localhost:${port}`, { ca: cert.cert });
  sessions.push(session);
  session.on('error', () => {});
  const headers: http2.OutgoingHttpHeaders = { ':method': ask.method, ':path': ask.path };
  if (ask.type !== undefined) headers['content-type'] = ask.type;
  const req = session.request(headers);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    let head: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
    req.end(ask.body);
  });
}

function h1(port: number, ask: Ask): Promise<Reply> {
  const agent = new https.Agent({ keepAlive: true, ca: cert.cert });
  agents.push(agent);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = ask.type === undefined ? {} : { 'content-type': ask.type };
    const req = https.request(
      { host: 'localhost', port, method: ask.method, path: ask.path, headers, agent },
      (res) => {
        expect(res.httpVersion).toBe('1.1');
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(ask.body);
  });
}

const query = makeQuery(0, 'example');
const b64 = query.toString('base64url');
const DNS = 'application/dns-message';

describe.each([
  ['HTTP/2', h2],
  ['HTTP/1.1', h1],
])('createDohListener over %s (RFC 8484)', (_name, send) => {
  test.each<[string, Ask]>([
    ['GET', { method: 'GET', path: `/dns-query?dns=${b64}` }],
    ['POST', { method: 'POST', path: '/dns-query', type: DNS, body: query }],
  ])('%s answers with a dns message, content-length and max-age', async (_m, ask) => {
    const { port, metrics } = await start();
    const r = await send(port, ask);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(DNS);
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers['cache-control']).toBe('max-age=300');
    const answer = dnsPacket.decode(r.body);
    expect([answer.id, (answer.answers?.[0] as { data?: unknown })?.data]).toEqual([0, '192.0.2.1']);
    expect(metrics.queries).toEqual(['doh']);
  });

  test.each<[string, number, Ask]>([
    ['another path', 404, { method: 'GET', path: `/resolve?dns=${b64}` }],
    ['PUT', 405, { method: 'PUT', path: '/dns-query', type: DNS, body: query }],
    ['DELETE', 405, { method: 'DELETE', path: '/dns-query' }],
    ['POST text/plain', 415, { method: 'POST', path: '/dns-query', type: 'text/plain', body: query }],
    ['POST without content-type', 415, { method: 'POST', path: '/dns-query', body: query }],
    [
      'POST over 65535 bytes',
      413,
      { method: 'POST', path: '/dns-query', type: DNS, body: Buffer.alloc(70_000) },
    ],
    [
      'POST with an empty body',
      400,
      { method: 'POST', path: '/dns-query', type: DNS, body: Buffer.alloc(0) },
    ],
    ['GET without dns', 400, { method: 'GET', path: '/dns-query' }],
    ['GET with empty dns', 400, { method: 'GET', path: '/dns-query?dns=' }],
    ['GET with bad base64url', 400, { method: 'GET', path: '/dns-query?dns=a%2Bb%2Fc' }],
    ['GET with a length no base64 can have', 400, { method: 'GET', path: `/dns-query?dns=${b64}AAA` }],
    ['GET of a message under 12 bytes', 400, { method: 'GET', path: '/dns-query?dns=AAAA' }],
  ])('%s → %i with content-length', async (_n, status, ask) => {
    const { port, metrics } = await start();
    const r = await send(port, ask);
    expect(r.status).toBe(status);
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers['cache-control']).toBe('max-age=0');
    if (status === 405) expect(r.headers.allow).toBe('GET, POST');
    expect(metrics.count('http')).toBe(1);
    expect(metrics.queries).toEqual([]);
  });

  test('a failing handler answers SERVFAIL with max-age=0', async () => {
    const { port, metrics } = await start(() => Promise.reject(new Error('boom')));
    const r = await send(port, { method: 'POST', path: '/dns-query', type: DNS, body: query });
    expect([r.status, r.headers['cache-control'], r.body[3] & 0xf]).toEqual([200, 'max-age=0', 2]);
    expect(metrics.count('handler')).toBe(1);
  });

  test('a dropped query is a 400', async () => {
    const { port } = await start(() => null);
    expect((await send(port, { method: 'GET', path: `/dns-query?dns=${b64}` })).status).toBe(400);
  });
});

describe('createDohListener: connections', () => {
  test('the handler sees the doh context', async () => {
    const spy = capturing(answerHandler());
    const { port } = await start(spy.handler, { now: () => 5 });
    await h2(port, { method: 'GET', path: `/dns-query?dns=${b64}` });
    expect(spy.seen[0]).toMatchObject({
      transport: 'doh',
      clientAddress: '127.0.0.1',
      family: 4,
      maxResponseSize: 65535,
      received: 5,
    });
  });

  test('several streams share one HTTP/2 connection', async () => {
    const { port, metrics } = await start();
    const session = http2.connect(`https://localhost:${port}`, { ca: cert.cert });
    sessions.push(session);
    const one = (id: number) =>
      new Promise<number>((resolve) => {
        const req = session.request({
          ':method': 'GET',
          ':path': `/dns-query?dns=${makeQuery(id).toString('base64url')}`,
        });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.resume();
      });
    expect(await Promise.all([1, 2, 3, 4].map(one))).toEqual([200, 200, 200, 200]);
    expect(metrics.open.doh).toBe(1);
  });

  test('an idle HTTP/2 connection is closed, a busy one is not', async () => {
    const { port } = await start(delayed(400, answerHandler()), {
      idleTimeoutMs: 200,
    });
    const r = await h2(port, { method: 'GET', path: `/dns-query?dns=${b64}` });
    expect(r.status).toBe(200);
    const session = sessions[0];
    await new Promise<void>((resolve) =>
      session.closed ? resolve() : session.once('close', () => resolve()),
    );
  });

  test('close() closes every session and leaks no sockets', async () => {
    const before = openSockets();
    const { l, port } = await start();
    await h2(port, { method: 'GET', path: `/dns-query?dns=${b64}` });
    await h1(port, { method: 'GET', path: `/dns-query?dns=${b64}` });
    await l.close();
    for (const s of sessions.splice(0)) s.destroy();
    for (const a of agents.splice(0)) a.destroy();
    expect(await settleSockets(before)).toBeLessThanOrEqual(before);
  });
});
