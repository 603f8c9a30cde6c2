/**
 * Progress for long work (importing a million-line list, compiling): on a terminal, one line
 * redrawn in place with lines, rate and time left; elsewhere, a plain line every few seconds.
 */
import type { Writable } from 'node:stream';

/** What a long task reports as it goes. */
export interface ProgressTick {
  readonly lines: number;
  readonly bytes: number;
  readonly totalBytes?: number;
}

/** A progress reporter bound to one output stream. */
export interface Progress {
  tick(p: ProgressTick): void;
  done(summary: string): void;
}

/** Creates a reporter for `what` on `out` (a TTY gets a live line; anything else periodic lines). */
export function createProgress(
  what: string,
  out: Writable & { isTTY?: boolean },
  now = () => Date.now(),
): Progress {
  const started = now();
  let last = 0;
  const interval = out.isTTY ? 100 : 5000;
  return {
    tick(p) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      const seconds = Math.max(0.001, (t - started) / 1000);
      const rate = p.lines / seconds;
      let left = '';
      if (p.totalBytes && p.bytes > 0) {
        const remaining = ((p.totalBytes - p.bytes) / p.bytes) * seconds;
        left = `, ${Math.round((p.bytes / p.totalBytes) * 100)}%, ~${remaining.toFixed(0)} s left`;
      }
      const line = `${what}: ${p.lines.toLocaleString('en')} lines, ${Math.round(rate).toLocaleString('en')} lines/s${left}`;
      out.write(out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done(summary) {
      const seconds = ((now() - started) / 1000).toFixed(2);
      out.write(`${out.isTTY ? '\r\x1b[2K' : ''}${what}: done in ${seconds} s\n${summary}\n`);
    },
  };
}
