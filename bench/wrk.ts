/**
 * Running wrk (one thread) against an HTTP server or an explicit proxy on loopback, and reading
 * its summary as JSON from a generated Lua script's `done` hook (no scraping of "12.3MB").
 *
 * wrk sends origin-form requests only; for a proxy the script sets `wrk.path` to the absolute
 * form (`http://origin.bench:PORT/1k`) and the Host header, which wrk's own `wrk.init` then
 * formats once into the request it sends on every connection.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One wrk run. */
export interface WrkOptions {
  /** Where to connect, e.g. `http://127.0.0.1:3128`. */
  readonly url: string;
  /** The request target: `/1k`, or an absolute form for a proxy. */
  readonly path: string;
  /** The Host header; default wrk's (from `url`). */
  readonly host?: string;
  readonly seconds: number;
  readonly connections: number;
  /** `Connection: close` on every request (a new connection each time). */
  readonly close?: boolean;
  /** A directory for the generated script. */
  readonly dir: string;
}

/** What wrk measured. */
export interface WrkResult {
  readonly requests: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly rps: number;
  readonly bytesPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** connect, read, write, timeout and non-2xx/3xx responses. */
  readonly errors: { connect: number; read: number; write: number; timeout: number; status: number };
}

let scripts = 0;

function luaString(s: string): string {
  return JSON.stringify(s); // a JSON string of ASCII is a valid Lua string literal
}

function script(o: WrkOptions): string {
  const lines = [`wrk.path = ${luaString(o.path)}`];
  if (o.host !== undefined) lines.push(`wrk.headers["Host"] = ${luaString(o.host)}`);
  lines.push(
    'done = function(s, latency, requests)',
    '  local e = s.errors',
    '  io.write(string.format(\'WRKJSON {"requests":%d,"bytes":%d,"us":%d,"p50":%d,"p99":%d,' +
      '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\\n\',',
    '    s.requests, s.bytes, s.duration, latency:percentile(50), latency:percentile(99),',
    '    e.connect, e.read, e.write, e.timeout, e.status))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

/** Runs wrk once and resolves with its figures (rejects if wrk fails or prints no summary). */
export function runWrk(o: WrkOptions): Promise<WrkResult> {
  const file = join(o.dir, `wrk-${++scripts}.lua`);
  writeFileSync(file, script(o));
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '--latency', '-s', file];
  if (o.close) args.push('-H', 'Connection: close');
  args.push(o.url);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (code !== 0 || m === null) {
        reject(new Error(`wrk exited with ${code}: ${out.trim()}`));
        return;
      }
      const j = JSON.parse(m[1]) as Record<string, number>;
      const seconds = j.us / 1e6;
      resolve({
        requests: j.requests,
        bytes: j.bytes,
        seconds,
        rps: j.requests / seconds,
        bytesPerSec: j.bytes / seconds,
        p50Ms: j.p50 / 1000,
        p99Ms: j.p99 / 1000,
        errors: { connect: j.connect, read: j.read, write: j.write, timeout: j.timeout, status: j.status },
      });
    });
  });
}
