/**
 * Running dnsperf (the load generator of DNS-OARC) against a server on loopback and reading its
 * report: queries per second, lost queries, and per-query latencies from `-v` for percentiles.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one dnsperf run measured. */
export interface DnsperfResult {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly avgLatencyMs: number;
  /** From per-query latencies (only with `verbose`). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly rcodes: Record<string, number>;
}

/** Options of a run. */
export interface DnsperfOptions {
  readonly port: number;
  readonly file: string;
  readonly seconds: number;
  readonly maxQps?: number;
  readonly clients?: number;
  readonly outstanding?: number;
  readonly verbose?: boolean;
  /** Stop after this many passes through the file (with `seconds` as the upper bound). */
  readonly passes?: number;
  readonly transport?: 'udp' | 'tcp';
}

function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs dnsperf to completion and parses its summary. */
export function runDnsperf(o: DnsperfOptions): Promise<DnsperfResult> {
  const args = ['-s', '127.0.0.1', '-p', String(o.port), '-d', o.file, '-l', String(o.seconds), '-T', '1'];
  // At most 4 × 100 queries outstanding: with -c 8 -q 500 (4,000) a burst overflowed the
  // server's receive buffer (~208 KiB by default) and dnsperf counted ~900–2,500 "lost" queries
  // per run even against the bare Node server; /proc/net/snmp's UDP RcvbufErrors rose by the
  // same number. With 400 the bare server loses none.
  args.push(
    '-c',
    String(o.clients ?? 4),
    '-q',
    String(o.outstanding ?? 100),
    '-t',
    '2',
    '-m',
    o.transport ?? 'udp',
  );
  if (o.maxQps) args.push('-Q', String(o.maxQps));
  if (o.passes) args.push('-n', String(o.passes));
  if (o.verbose) args.push('-v');
  // Verbose output (a line per query) goes to a file, read after the run: parsed live, 20k lines a
  // second took a core's share from the server being measured (perf sched: the parsing process
  // preempted the gateway's thread ~400 times a second).
  const dir = o.verbose ? mkdtempSync(join(tmpdir(), 'gh-dnsperf-')) : null;
  const out = dir === null ? 'pipe' : openSync(join(dir, 'out'), 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('dnsperf', args, { stdio: ['ignore', out, 'pipe'] });
    let summary = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      summary += chunk;
    });
    child.stderr?.on('data', (d) => {
      summary += d;
    });
    child.on('error', reject);
    child.on('close', () => {
      if (dir !== null) {
        closeSync(out as number);
        summary += readFileSync(join(dir, 'out'), 'utf8');
        rmSync(dir, { recursive: true, force: true });
      }
      resolve(parseDnsperf(summary));
    });
  });
}

/** dnsperf's report: its summary, and percentiles from the per-query lines of `-v` when there are any. */
export function parseDnsperf(text: string): DnsperfResult {
  const latencies: number[] = [];
  let summary = '';
  for (const line of text.split('\n')) {
    // verbose lines: "> NOERROR example.com A 0.000123"
    if (line.startsWith('> ')) {
      const seconds = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (!Number.isNaN(seconds)) latencies.push(seconds * 1000);
    } else summary += `${line}\n`;
  }
  latencies.sort((a, b) => a - b);
  const rcodes: Record<string, number> = {};
  const codes = /Response codes:\s+(.*)/.exec(summary)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]] = Number(m[2]);
  return {
    sent: num(summary, /Queries sent:\s+(\d+)/),
    completed: num(summary, /Queries completed:\s+(\d+)/),
    lost: num(summary, /Queries lost:\s+(\d+)/),
    qps: num(summary, /Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(summary, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    ...(latencies.length > 0 ? { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) } : {}),
    rcodes,
  };
}

/**
 * The host's UDP RcvbufErrors (datagrams dropped because a socket's receive buffer was full)
 * from /proc/net/snmp: a rise during a run means "lost" queries the server never saw.
 */
export function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return Number.NaN;
  const names = lines[0].split(/\s+/);
  return Number(lines[1].split(/\s+/)[names.indexOf('RcvbufErrors')]);
}
