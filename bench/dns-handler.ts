/**
 * CPU per query of the DNS pipeline alone (parse → policy → cache → inspect → finish, with the
 * record pushed to a no-op sink), in this process: the million-rule policy, the usual query mix
 * (bench/dns-queries.ts), the cache filled by one pass through a stub upstream. No sockets, so
 * the figure leaves out the kernel's send path that dominates the gateway's profile, and it
 * moves far less with the load of other processes than a dnsperf run does. Prints thread CPU
 * µs per query and the GC pauses seen, over `GATEHOUSE_BENCH_PASSES` passes (default 10).
 *
 *   node --expose-gc dist/bench/dns-handler.js
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { createCache } from '../src/dns/cache.js';
import type { DnsEnv } from '../src/dns/exchange.js';
import type { QueryContext } from '../src/dns/listeners/contract.js';
import { createDnsHandler } from '../src/dns/pipeline.js';
import { compilePolicy } from '../src/policy/compile.js';
import { makeBenchOrder } from './bench-order.js';
import { queryFile } from './dns-queries.js';
import { millionRules } from './million-rules.js';

const PASSES = Number(process.env.GATEHOUSE_BENCH_PASSES ?? 10);

function encode(name: string, id: number): Buffer {
  const labels = name.split('.').filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

/** The stub upstream: the question echoed with one A record (and our OPT), TTL 3600. */
function upstreamAnswer(q: Buffer): Buffer {
  let o = 12;
  while (q[o] !== 0) o += q[o] + 1;
  const qEnd = o + 5;
  const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1]);
  const opt = Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
  const out = Buffer.concat([q.subarray(0, qEnd), rr, opt]);
  out[2] |= 0x80;
  out[3] = 0x80;
  out.writeUInt16BE(1, 6);
  out.writeUInt16BE(1, 10);
  return out;
}

async function main(): Promise<void> {
  const set = await millionRules();
  const now = Date.now();
  const policy = compilePolicy([{ order: makeBenchOrder(1), rules: set.rules }], now);
  const file = queryFile(
    mkdtempSync(join(tmpdir(), 'gh-bench-handler-')),
    set.rules.map((r) => r.value),
  );
  const queries = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => encode(l.split(' ')[0], i & 0xffff));
  const env: DnsEnv = {
    policy: () => policy,
    identity: () => ({ isp: '', groups: [], subscriber: null }),
    cache: createCache({ maxBytes: 64 * 1024 * 1024, now: Date.now }),
    forward: async (q) => ({ response: upstreamAnswer(q), upstream: 'stub' }),
    rateLimit: null,
    record: () => undefined,
    metrics: { answered: () => undefined, cache: () => undefined, error: () => undefined },
    settings: {
      ednsBufferSize: 1232,
      blockTtl: 10,
      structuredErrors: 'auto',
      sdeOptionCode: -1,
      operatorUrl: 'http://127.0.0.1:8080',
      noticeAddresses: { ipv4: null, ipv6: null },
      soaMname: 'gatehouse.invalid',
      soaRname: 'hostmaster.gatehouse.invalid',
    },
    now: Date.now,
  };
  const handler = createDnsHandler(env);
  const ctx: QueryContext = {
    transport: 'udp',
    clientAddress: '127.0.0.1',
    clientPort: 5300,
    family: 4,
    maxResponseSize: 512,
    received: now,
  };
  for (const q of queries) await handler(q, ctx); // fills the cache
  (globalThis as { gc?: () => void }).gc?.();
  let gcCount = 0;
  let gcMs = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      gcCount++;
      gcMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  let sync = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let p = 0; p < PASSES; p++) {
    for (const q of queries) {
      const r = handler(q, ctx);
      if (r === null || Buffer.isBuffer(r)) sync++;
      else await r;
    }
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = PASSES * queries.length;
  await new Promise((r) => setTimeout(r, 50));
  console.log(
    `pipeline: ${n} queries (${sync} answered synchronously), ${(((cpu.user + cpu.system) / n) * 1).toFixed(3)} µs CPU/query, ${((wall * 1000) / n).toFixed(3)} µs wall/query, GC ${gcCount} pauses ${gcMs.toFixed(0)} ms, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

await main();
