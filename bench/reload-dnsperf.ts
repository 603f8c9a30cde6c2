/**
 * dnsperf as a continuous load with a clock: every answer, timeout and error it reports with
 * `-v` is stamped when it reaches us, so one run can be cut into windows (before a reload,
 * during it) and each window has its own completed, lost (timed out), failed and p99.
 *
 * dnsperf prints `> RCODE name type seconds` per answer and `> T name type` per query that
 * timed out (`-t`); a timeout is charged to the window in which the query was sent (its line
 * arrives `timeout` seconds later). `> I` lines are queries still outstanding when the run
 * was interrupted: not lost, and not counted.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** One window's figures. */
export interface WindowFigures {
  readonly label: string;
  readonly seconds: number;
  readonly completed: number;
  /** Timed out (dnsperf `T`): no answer within the timeout. */
  readonly lost: number;
  /** Answered with an RCODE other than NOERROR / NXDOMAIN (SERVFAIL, REFUSED, FORMERR…). */
  readonly failed: number;
  readonly qps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A running load. */
export interface StreamingLoad {
  /** Seconds since the load started. */
  now(): number;
  /** Figures for answers that arrived in [from, to) seconds (timeouts by their send time). */
  window(label: string, from: number, to: number): WindowFigures;
  /** Interrupts dnsperf (SIGINT) and resolves with its own summary text. */
  stop(): Promise<string>;
  readonly process: ChildProcess;
}

/** Options of the load. */
export interface LoadOptions {
  readonly port: number;
  readonly file: string;
  readonly qps: number;
  readonly clients?: number;
  readonly outstanding?: number;
  readonly timeoutSeconds?: number;
  /** Upper bound on the run; `stop()` normally ends it first. */
  readonly maxSeconds?: number;
}

const OK_RCODES = new Set(['NOERROR', 'NXDOMAIN']);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Starts dnsperf at a fixed rate. `-c 4 -q 100` keeps at most 400 queries outstanding, which
 * the kernel's default socket buffers hold (see bench/dnsperf.ts on the losses `-q 500` made).
 */
export function startLoad(o: LoadOptions): StreamingLoad {
  const timeout = o.timeoutSeconds ?? 2;
  const args = ['-s', '127.0.0.1', '-p', String(o.port), '-d', o.file, '-T', '1', '-v'];
  args.push('-l', String(o.maxSeconds ?? 600), '-c', String(o.clients ?? 4));
  args.push('-q', String(o.outstanding ?? 100), '-t', String(timeout), '-Q', String(o.qps));
  const child = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  // Parallel growable columns: arrival second, latency ms (-1 timeout, -2 failed rcode).
  let at = new Float64Array(1 << 20);
  let ms = new Float64Array(1 << 20);
  let n = 0;
  let summary = '';
  let rest = '';
  const push = (t: number, v: number) => {
    if (n === at.length) {
      const a = new Float64Array(n * 2);
      a.set(at);
      at = a;
      const m = new Float64Array(n * 2);
      m.set(ms);
      ms = m;
    }
    at[n] = t;
    ms[n++] = v;
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    const t = now();
    const lines = (rest + chunk.toString('latin1')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('> ')) {
        summary += `${line}\n`;
        continue;
      }
      const code = line.slice(2, line.indexOf(' ', 2));
      if (code === 'T') push(t - timeout, -1);
      else if (code === 'I') continue;
      else if (!OK_RCODES.has(code)) push(t, -2);
      else push(t, Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000);
    }
  });
  child.stderr?.on('data', (d) => {
    summary += d;
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    now,
    process: child,
    window(label, from, to) {
      let lost = 0;
      let failed = 0;
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        if (at[i] < from || at[i] >= to) continue;
        if (ms[i] === -1) lost++;
        else if (ms[i] === -2) failed++;
        else lat.push(ms[i]);
      }
      const sorted = Float64Array.from(lat).sort();
      const seconds = to - from;
      return {
        label,
        seconds,
        completed: lat.length + failed,
        lost,
        failed,
        qps: (lat.length + failed) / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
      };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await closed;
      return summary;
    },
  };
}

/** One line of a window's figures. */
export function formatWindow(server: string, w: WindowFigures): string {
  return `${server.padEnd(14)} ${w.label.padEnd(9)} ${w.seconds.toFixed(1).padStart(5)} s  ${Math.round(w.qps).toString().padStart(6)} q/s  lost ${w.lost}  failed ${w.failed}  p50 ${w.p50Ms.toFixed(3)} ms  p99 ${w.p99Ms.toFixed(3)} ms  max ${w.maxMs.toFixed(1)} ms`;
}
