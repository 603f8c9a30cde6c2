/**
 * Logging with pino: one root logger built from `config.log` by the composition root and
 * passed down; each component takes a child (`componentLogger(root, 'dns')`). No global logger.
 *
 * JSON lines by default (level as a word, ISO time) for collectors; `format: pretty` writes
 * one readable line per entry for a terminal, without pulling in pino-pretty.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogConfig } from '../config/schema.js';

export type { Logger } from 'pino';

/** Keys never written as they are: secrets that may travel in objects handed to the logger. */
const REDACT = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.cookie',
];

/** Builds the root logger; `destination` defaults to stdout (tests pass a stream to capture lines). */
export function createLogger(
  config: Pick<LogConfig, 'level' | 'format'>,
  destination?: DestinationStream,
): Logger {
  const out = destination ?? pino.destination({ fd: 1, sync: true });
  return pino(
    {
      level: config.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '***' },
    },
    config.format === 'pretty' ? prettyStream(out) : out,
  );
}

/** A child logger whose every line carries `component` (`dns`, `proxy`, `store`…). */
export function componentLogger(parent: Logger, component: string): Logger {
  return parent.child({ component });
}

const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component', 'err']);

/** Formats one JSON log line for a terminal: `12:00:01.250 INFO  [dns] message key=value`. */
export function formatPretty(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : String(entry.time ?? '');
  const level = String(entry.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const component = entry.component === undefined ? '' : ` [${String(entry.component)}]`;
  const fields = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('');
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const stack = err ? `\n    ${(err.stack ?? err.message ?? '').replace(/\n/g, '\n    ')}` : '';
  return `${time} ${level}${component} ${String(entry.msg ?? '')}${fields}${stack}\n`;
}

function prettyStream(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatPretty(line)) };
}
