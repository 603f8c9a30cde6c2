/**
 * The records benchmark's DNS side: the real gateway (`startGateway`, the composition root) started
 * in this process on a data directory holding the million-rule order of bench/dns.ts, forwarding to
 * the local Unbound that answers every name (never the system resolver), and dnsperf driving it at a
 * fixed rate with the DNS bench's query mix (Umbrella top-100k 80%, blocked names 20%).
 *
 * dnsperf's per-query lines (`-v`, for p99) go to a file and are read after the run: parsed on the
 * fly they would cost this process ~20,000 lines/s of the very thread being measured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigOverrides, loadConfig, mergeOverrides, parseOverrides } from '../src/config/load.js';
import { type Gateway, startGateway } from '../src/main.js';
import { exportRules } from '../src/policy/formats/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { approveMillionRuleOrder } from './bench-gatehouse.js';
import { queryFile } from './dns-queries.js';
import { parseDnsperf, runDnsperf } from './dnsperf.js';
import { millionRules } from './million-rules.js';
import { cpuSeconds } from './proc.js';
import { freePort } from './proxy-peers.js';
import { startUnbound, type UnboundPeer } from './unbound.js';

/** The DNS side's fixtures, made once per benchmark. */
export interface DnsFixture {
  readonly dataDir: string;
  readonly queries: string;
  readonly upstream: UnboundPeer;
  readonly rules: number;
}

/** Builds the million-rule order (as bench/dns.ts does), the query file and the local upstream. */
export async function dnsFixture(dir: string): Promise<DnsFixture> {
  const set = await millionRules();
  const zone = join(dir, 'million.rpz');
  writeFileSync(zone, exportRules('rpz', set.rules).text);
  const queries = queryFile(
    dir,
    set.rules.map((r) => r.value),
  );
  const dataDir = join(dir, 'data');
  approveMillionRuleOrder(dataDir, zone);
  const upstream = await startUnbound({ port: await freePort(), answerAll: true });
  return { dataDir, queries, upstream, rules: set.rules.length };
}

/** A gateway running in this process and its plain-DNS UDP port. */
export interface InProcessGateway {
  readonly gateway: Gateway;
  readonly port: number;
  /** `dns.workers` as configured (absent from configurations without DNS worker threads). */
  readonly dnsWorkers: string;
}

/**
 * Starts the gateway with its defaults except: loopback ports chosen by the kernel, no DoT/DoH/proxy
 * listeners, the local upstream, warn-level logs, and records into `recordsStore` ("local": SQLite
 * records.db in the data directory; or a postgres:// URL). Resolves once the million-rule policy is
 * compiled and one pass of the query file has filled the cache (as a resolver in service has it).
 */
export async function startDnsGateway(f: DnsFixture, recordsStore: string): Promise<InProcessGateway> {
  const base: ConfigOverrides = {
    dataDir: f.dataDir,
    http: { listen: '127.0.0.1:0' },
    dns: { listen: ['127.0.0.1:0'], dot: [], doh: [], upstreams: [`127.0.0.1:${f.upstream.port}`] },
    proxy: { listen: [] },
    records: { store: recordsStore },
    log: { level: 'warn' },
  };
  // DNS_WORKERS=N sets dns.workers (DNS worker threads: work in progress elsewhere); by default the
  // gateway decides, as `gatehouse start` would.
  const workers = process.env.DNS_WORKERS;
  const extra = workers ? parseOverrides([`dns.workers=${workers}`]) : {};
  const config = loadConfig({ overrides: mergeOverrides(base, extra) as ConfigOverrides });
  const gateway = await startGateway(config, createLogger(config.log));
  const deadline = Date.now() + 180_000;
  while (gateway.feed.current().stats.domainRules < f.rules / 2) {
    if (Date.now() > deadline) throw new Error('the million-rule policy was not compiled within 180 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const udp = gateway.addresses.dns.find((b) => b.transport === 'udp');
  if (udp === undefined) throw new Error('the gateway bound no UDP DNS listener');
  await runDnsperf({ port: udp.port, file: f.queries, seconds: 60, passes: 1, maxQps: 40_000 });
  const dnsWorkers = String((config.dns as { workers?: unknown }).workers ?? 'none (DNS on the main thread)');
  return { gateway, port: udp.port, dnsWorkers };
}

/** What one fixed-rate dnsperf run measured. */
export interface DnsLoad {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly p99Ms: number;
  readonly rcodes: string;
  /** dnsperf's own CPU seconds (read from /proc while it ran; the load generator, not the gateway). */
  readonly cpuSeconds: number;
}

/** A dnsperf run in progress. */
export interface RunningLoad {
  readonly process: ChildProcess;
  done(): Promise<DnsLoad>;
}

/** Starts dnsperf -T1 -c4 -q100 -t2 -Q `qps` for `seconds` (as bench/dnsperf.ts), verbose into `out`. */
export function startLoad(
  port: number,
  queries: string,
  qps: number,
  seconds: number,
  out: string,
): RunningLoad {
  const fd = openSync(out, 'w');
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), '-T', '1'];
  args.push('-c', '4', '-q', '100', '-t', '2', '-m', 'udp', '-Q', String(qps), '-v');
  const child = spawn('dnsperf', args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let cpu = 0;
  const pid = child.pid ?? 0;
  const poll = setInterval(() => {
    try {
      cpu = cpuSeconds(pid);
    } catch {
      // dnsperf has exited: the last reading stands (at most 200 ms of its CPU time unread)
    }
  }, 200);
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  return {
    process: child,
    async done() {
      await exited;
      clearInterval(poll);
      const r = parseDnsperf(readFileSync(out, 'utf8'));
      return {
        sent: r.sent,
        completed: r.completed,
        lost: r.lost,
        qps: r.qps,
        p99Ms: r.p99Ms ?? Number.NaN,
        rcodes: Object.entries(r.rcodes)
          .map(([code, n]) => `${code} ${n}`)
          .join(' '),
        cpuSeconds: cpu,
      };
    },
  };
}
