/**
 * The proxy benchmark's cast, each in the foreground on loopback with a config of its own in a
 * temp dir: the nginx origin (`/1k`, `/1m`, and stub_status for counting what reached it),
 * HAProxy in TCP mode, and the bare Node `net` pipe (bench/node-pipe.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

/** A process we started, and the port it serves. */
export interface Peer {
  readonly name: string;
  readonly port: number;
  readonly process: ChildProcess;
  readonly pid: number;
}

/** A free loopback port (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port` (rejects if `child` exits first). */
export async function waitTcp(port: number, child: ChildProcess, name: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited early`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name}: nothing accepts on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function started(name: string, port: number, child: ChildProcess): Peer {
  return { name, port, process: child, pid: child.pid ?? 0 };
}

/** nginx, one process (no master), serving 1 KiB and 1 MiB files with access_log off. */
export async function startNginx(dir: string): Promise<Peer & { requests(): Promise<number> }> {
  const root = join(dir, 'www');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(root, '1k'), Buffer.alloc(1024, 'k'));
  writeFileSync(join(root, '1m'), Buffer.alloc(1024 * 1024, 'm'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (k) => `  ${k}_temp_path ${join(dir, 'tmp', k)};`,
  );
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'nginx-error.log')} warn;`,
      'events { worker_connections 8192; }',
      'http {',
      '  access_log off;',
      ...temp,
      '  default_type application/octet-stream;',
      '  sendfile on;',
      '  tcp_nopush on;',
      // Kept-alive clients stay kept alive through the whole run, for every proxy alike.
      '  keepalive_requests 10000000;',
      '  keepalive_timeout 300s;',
      '  server {',
      `    listen 127.0.0.1:${port} backlog=4096;`,
      `    root ${root};`,
      '    location = /nginx_status { stub_status; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', conf], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitTcp(port, child, 'nginx');
  return {
    ...started('nginx', port, child),
    requests: () =>
      new Promise((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/nginx_status', agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => {
            // "server accepts handled requests\n 1 1 1"
            const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(body);
            if (m === null) reject(new Error(`stub_status: ${body}`));
            else resolve(Number(m[3]));
          });
        }).once('error', reject);
      }),
  };
}

/** HAProxy in TCP mode, one thread (one event loop, like Node's), one frontend → nginx. */
export async function startHaproxy(dir: string, originPort: number): Promise<Peer> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(
    conf,
    [
      'global',
      '  nbthread 1',
      '  maxconn 8000',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 300s',
      '  timeout server 300s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      `  server nginx 127.0.0.1:${originPort}`,
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-db', '-f', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitTcp(port, child, 'haproxy');
  return started('haproxy (tcp)', port, child);
}

/** The bare Node pipe: `net.createServer(c => c.pipe(connect(origin)).pipe(c))`, own process. */
export async function startNodePipe(originPort: number): Promise<Peer> {
  const port = await freePort();
  const child = spawn('node', ['dist/bench/node-pipe.js', String(port), String(originPort)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitTcp(port, child, 'node pipe');
  return started('bare node pipe', port, child);
}

/** Stops a child: SIGTERM, then SIGKILL after `ms`; resolves when it has exited. */
export function stop(child: ChildProcess, ms = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
