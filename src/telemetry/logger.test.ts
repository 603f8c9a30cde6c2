import { describe, expect, test } from 'vitest';
import { componentLogger, createLogger, formatPretty } from './logger.js';

/** A destination that keeps every line written to it. */
function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

const parsed = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('createLogger', () => {
  test('writes JSON lines with the level as a word and an ISO time', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'json' }, out).info({ port: 53 }, 'listening');
    expect(out.lines).toHaveLength(1);
    const entry = parsed(out.lines[0]);
    expect(entry).toMatchObject({ level: 'info', msg: 'listening', port: 53 });
    expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test.each([
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['silent', []],
  ] as const)('level %s writes %j', (level, expected) => {
    const out = capture();
    const log = createLogger({ level, format: 'json' }, out);
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.lines.map((l) => parsed(l).level)).toEqual(expected);
  });

  test('each logger is independent (no global singleton)', () => {
    const a = capture();
    const b = capture();
    createLogger({ level: 'info', format: 'json' }, a).info('to a');
    createLogger({ level: 'info', format: 'json' }, b).info('to b');
    expect([a.lines.length, b.lines.length]).toEqual([1, 1]);
  });

  test('secrets are redacted', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'json' }, out).info(
      { db: { password: 'hunter2' }, authorization: 'Bearer x' },
      'x',
    );
    expect(out.lines[0]).not.toContain('hunter2');
    expect(parsed(out.lines[0])).toMatchObject({ db: { password: '***' }, authorization: '***' });
  });
});

describe('componentLogger', () => {
  test('tags every line with its component and inherits the level', () => {
    const out = capture();
    const dns = componentLogger(createLogger({ level: 'warn', format: 'json' }, out), 'dns');
    dns.info('hidden');
    dns.warn({ upstream: '192.0.2.1:53' }, 'upstream down');
    expect(out.lines.map(parsed)).toEqual([
      expect.objectContaining({ component: 'dns', msg: 'upstream down', level: 'warn' }),
    ]);
  });
});

describe('pretty format', () => {
  test('writes one readable line per entry', () => {
    const out = capture();
    const log = componentLogger(createLogger({ level: 'info', format: 'pretty' }, out), 'proxy');
    log.info({ port: 3128, host: '127.0.0.1' }, 'listening');
    expect(out.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[proxy\] listening port=3128 host=127\.0\.0\.1\n$/,
    );
  });

  test('errors show their stack, indented', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'pretty' }, out).error({ err: new Error('boom') }, 'failed');
    expect(out.lines[0]).toMatch(/ ERROR failed\n {4}Error: boom\n\s+at /);
  });

  test.each([
    ['not json', 'not json\n'],
    [
      '{"level":"warn","time":"2024-01-01T10:00:00.000Z","msg":"m","n":{"a":1}}',
      '10:00:00.000 WARN  m n={"a":1}\n',
    ],
  ])('formatPretty(%j)', (line, expected) => {
    expect(formatPretty(line)).toBe(expected);
  });
});
