/**
 * The proxy e2e harness: local HTTP and TLS origins on 127.0.0.1:0, a policy made of test
 * orders, a fake lookup (every `*.test` name is 127.0.0.1 unless the policy blocks it), a proxy
 * with every listener, and runners for the real clients (`curl`, `openssl s_client`).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type Decision, NO_DECISION } from '../../src/core/decision.js';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/compile.js';
import { evaluate } from '../../src/policy/evaluate.js';
import type { Order, OrderWithRules } from '../../src/policy/model.js';
import { createProxy } from '../../src/proxy/proxy.js';
import type { ListenerKind, ProxyErrorKind, ProxyServer, ProxySettings } from '../../src/proxy/types.js';
import type { FlowRecord } from '../../src/records/types.js';
import { createTestCert, type TestCert } from '../fixtures/tls.js';
import { makeOrder, withTargets } from '../helpers/orders.js';

export const MiB = 1024 * 1024;
export const BIG = randomBytes(MiB);
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A block order (or any action) in force now, for a day. */
export function order(id: number, targets: string[], over: Partial<Order> = {}): OrderWithRules {
  const now = Date.now();
  return withTargets(
    makeOrder(id, {
      title: `test order ${id}`,
      notBefore: now - 60_000,
      expiresAt: now + 86_400_000,
      ...over,
    }),
    targets,
  );
}

/** The orders every e2e test starts with. */
export const BASE_ORDERS: OrderWithRules[] = [
  order(1, ['blocked.test']),
  order(2, ['http://allowed.test/forbidden/']),
  order(3, ['throttled.test'], { action: { kind: 'throttle', bytesPerSecond: 200 * 1024 } }),
  order(4, ['127.0.0.2']),
];

/** Serves `/big` (1 MiB), `/bytes/N`, `/echo`, `/upload`, `/stream` (64 KiB every 100 ms) and `/hang`. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/big' || url.startsWith('/forbidden')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length });
    res.end(BIG);
  } else if (url.startsWith('/bytes/')) {
    const n = Number(url.slice(7));
    res.writeHead(200, { 'content-length': n });
    res.end(Buffer.alloc(n, 7));
  } else if (url === '/echo') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url, headers: req.headers }));
  } else if (url === '/stream') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(Buffer.alloc(65536, 1)), 100);
    res.on('close', () => clearInterval(timer));
  } else if (url === '/upload') {
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(n));
    });
  } else if (url === '/hang') {
    // Never answers.
  } else {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
}

/** A running test bed. */
export interface Bed {
  readonly proxy: ProxyServer;
  readonly ports: Record<ListenerKind, number> & { explicit6: number; http: number; tls: number };
  readonly records: FlowRecord[];
  readonly errors: ProxyErrorKind[];
  readonly cert: TestCert;
  policy: CompiledPolicy;
  setOrders(orders: OrderWithRules[]): CompiledPolicy;
  close(): Promise<void>;
}

const IDENTITY = Object.freeze({ isp: 'isp-a', groups: Object.freeze([]), subscriber: null });

/** Starts origins and a proxy with every listener; `settings` override the test defaults. */
export async function startBed(settings: Partial<ProxySettings> = {}): Promise<Bed> {
  const cert = await createTestCert({ altNames: ['DNS:allowed.test', 'DNS:throttled.test'] });
  const origin = http.createServer(handler);
  const tlsOrigin = https.createServer({ cert: cert.cert, key: cert.key }, handler);
  await Promise.all([origin, tlsOrigin].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  const httpPort = (origin.address() as net.AddressInfo).port;
  const tlsPort = (tlsOrigin.address() as net.AddressInfo).port;
  const records: FlowRecord[] = [];
  const errors: ProxyErrorKind[] = [];
  const noop = () => {};
  const bed = {
    policy: compilePolicy(BASE_ORDERS, Date.now()),
    setOrders(orders: OrderWithRules[]) {
      bed.policy = compilePolicy(orders, Date.now());
      return bed.policy;
    },
  };
  const lookup = async (name: string): Promise<{ addresses: string[]; decision: Decision }> => {
    const decision = evaluate(bed.policy, { domain: name });
    if (decision.action === 'block') return { addresses: [], decision };
    if (name === 'nxdomain.test') return { addresses: [], decision: NO_DECISION };
    return { addresses: [name.startsWith('addr-blocked') ? '127.0.0.2' : '127.0.0.1'], decision };
  };
  const proxy = createProxy({
    policy: () => bed.policy,
    // One frozen identity for every client, as the gateway's identity map hands out one object per
    // prefix: the proxy's judgement memo (shared by connections) tells identities apart by object.
    identity: () => IDENTITY,
    lookup,
    record: (r) => records.push(r),
    metrics: {
      connections: noop,
      bytes: noop,
      throttledBytes: noop,
      active: noop,
      error: (_l, kind) => errors.push(kind),
    },
    logger: { info: noop, warn: noop, error: noop },
    settings: {
      operatorUrl: 'https://gatehouse.example',
      headerTimeoutMs: 1000,
      maxHeaderBytes: 8192,
      maxConnectionsPerSource: 256,
      idleTimeoutMs: 2000,
      domesticPrefixes: [],
      connectTimeoutMs: 1000,
      transparentPorts: { http: httpPort, tls: tlsPort },
      ...settings,
    },
  });
  const [explicit, explicit6, th, tt] = await Promise.all([
    proxy.listen('explicit', '127.0.0.1', 0),
    proxy.listen('explicit', '::1', 0),
    proxy.listen('transparent-http', '127.0.0.1', 0),
    proxy.listen('transparent-tls', '127.0.0.1', 0),
  ]);
  return Object.assign(bed, {
    proxy,
    records,
    errors,
    cert,
    ports: {
      explicit: explicit.port,
      explicit6: explicit6.port,
      'transparent-http': th.port,
      'transparent-tls': tt.port,
      http: httpPort,
      tls: tlsPort,
    },
    async close() {
      await proxy.close();
      origin.closeAllConnections();
      tlsOrigin.closeAllConnections();
      await Promise.all([origin, tlsOrigin].map((s) => new Promise((r) => s.close(r))));
      await cert.cleanup();
    },
  });
}

/** What a client process printed and how it exited. */
export interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a client binary to completion (never throws on a non-zero exit). */
export function run(binary: string, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      { encoding: 'buffer', maxBuffer: 64 * MiB, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number) || 1 : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr: stderr.toString('utf8') });
      },
    );
    child.stdin?.end(input);
  });
}

/** curl, silent, failing on nothing (the tests look at statuses themselves). */
export function curl(...args: string[]): Promise<Run> {
  return run('curl', ['-sS', '--noproxy', '', '--max-time', '15', ...args]);
}

/** The HTTP status curl gets for `url` through the explicit proxy at `proxy` (extra curl args first). */
export async function statusVia(proxy: string, url: string, ...args: string[]): Promise<string> {
  const r = await curl('-o', '/dev/null', '-w', '%{http_code}', ...args, '-x', proxy, url);
  return r.stdout.toString();
}

/** Sends `bytes` on a raw connection and collects everything until the proxy closes it. */
export function raw(
  port: number,
  bytes: string | Buffer,
  waitMs = 5000,
): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, waitMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
  });
}

/** Waits until `check` holds (polling), or throws after `ms`. */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
