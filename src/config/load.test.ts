import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GatehouseError, isGatehouseError } from '../core/errors.js';
import { defaultConfig, loadConfig, mergeOverrides, parseConfig, parseOverrides } from './load.js';
import type { GatehouseConfig } from './schema.js';

/** The issues a YAML text is refused with (fails the test when it loads). */
function issuesOf(yamlText: string): readonly string[] {
  try {
    parseConfig(yamlText, 'test.yaml');
  } catch (err) {
    if (isGatehouseError(err, 'GH_ERR_CONFIG_INVALID')) return err.details;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(yamlText)} to be refused`);
}

/** The error a call throws. */
function thrown(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatehouseError) return err;
    throw err;
  }
  throw new Error('expected a GatehouseError');
}

describe('defaults', () => {
  const c = defaultConfig();

  test.each<[string, (c: GatehouseConfig) => unknown, unknown]>([
    ['dataDir', (c) => c.dataDir, './data'],
    ['store follows dataDir', (c) => c.store, { kind: 'sqlite', path: 'data/gatehouse.db' }],
    ['http.listen', (c) => c.http.listen, { host: '127.0.0.1', port: 8080, family: 4 }],
    ['operatorUrl follows http.listen', (c) => c.policy.operatorUrl, 'http://127.0.0.1:8080'],
    ['maxOrderDuration in ms', (c) => c.policy.maxOrderDuration, 365 * 86_400_000],
    ['dns.listen', (c) => c.dns.listen.map((a) => `${a.host}:${a.port}`), ['127.0.0.1:5353']],
    ['dns.dot', (c) => c.dns.dot[0].port, 8853],
    ['dns.doh', (c) => c.dns.doh[0].port, 8443],
    ['dns.upstreams', (c) => c.dns.upstreams, []],
    ['dns.workers', (c) => c.dns.workers, 'auto'],
    ['dns.cache.maxBytes in bytes', (c) => c.dns.cache.maxBytes, 64 * 1024 * 1024],
    ['dns.blockTtl in ms', (c) => c.dns.blockTtl, 10_000],
    ['dns.ednsBufferSize', (c) => c.dns.ednsBufferSize, 1232],
    ['dns.rateLimit.ipv6Prefix', (c) => c.dns.rateLimit.ipv6Prefix, 56],
    ['dns.tls has no cert', (c) => c.dns.tls.cert, undefined],
    ['proxy.listen', (c) => c.proxy.listen[0].port, 3128],
    ['proxy.maxHeaderBytes', (c) => c.proxy.maxHeaderBytes, 16_384],
    ['log', (c) => c.log, { level: 'info', format: 'json' }],
  ])('%s', (_name, pick, expected) => {
    expect(pick(c)).toEqual(expected);
  });

  test('every listener is on loopback and an unprivileged port', () => {
    const all = [c.http.listen, ...c.dns.listen, ...c.dns.dot, ...c.dns.doh, ...c.proxy.listen];
    for (const a of all) {
      expect(a.host).toBe('127.0.0.1');
      expect(a.port).toBeGreaterThanOrEqual(1024);
    }
  });

  test.each(['', '# only a comment\n', '---\n', 'dns:\n', 'dns:\n  cache:\n'])(
    '%j loads as the defaults',
    (text) => {
      expect(parseConfig(text, 'test.yaml')).toEqual(c);
    },
  );

  test('loadConfig without a file is the defaults', () => {
    expect(loadConfig()).toEqual(c);
  });
});

describe('normalising', () => {
  test.each<[string, string, (c: GatehouseConfig) => unknown, unknown]>([
    ['durations to ms', 'dns: {blockTtl: 1h30m}', (c) => c.dns.blockTtl, 5_400_000],
    ['a bare integer duration is ms', 'dns: {blockTtl: 250}', (c) => c.dns.blockTtl, 250],
    ['sizes to bytes', 'dns: {cache: {maxBytes: 1GiB}}', (c) => c.dns.cache.maxBytes, 1024 ** 3],
    [
      'IPv6 listen',
      'dns: {listen: ["[::1]:53"]}',
      (c) => c.dns.listen[0],
      { host: '::1', port: 53, family: 6 },
    ],
    ['IPv6 canonical', 'dns: {listen: ["[2001:DB8:0::1]:53"]}', (c) => c.dns.listen[0].host, '2001:db8::1'],
    ['port 0 for tests', 'http: {listen: "127.0.0.1:0"}', (c) => c.http.listen.port, 0],
    ['workers', 'dns: {workers: 4}', (c) => c.dns.workers, 4],
    [
      'cidr canonical',
      'proxy: {domesticPrefixes: ["2001:DB8::/32"]}',
      (c) => c.proxy.domesticPrefixes,
      ['2001:db8::/32'],
    ],
    [
      'store from dataDir',
      'dataDir: /var/lib/gh',
      (c) => c.store,
      { kind: 'sqlite', path: '/var/lib/gh/gatehouse.db' },
    ],
    [
      'postgres store',
      'store: postgres://gh@db.example/gh',
      (c) => c.store,
      { kind: 'postgres', url: 'postgres://gh@db.example/gh' },
    ],
    [
      'operatorUrl from port',
      'http: {listen: "0.0.0.0:9000"}',
      (c) => c.policy.operatorUrl,
      'http://127.0.0.1:9000',
    ],
    [
      'operatorUrl trailing slash',
      'policy: {operatorUrl: "https://gw.example/"}',
      (c) => c.policy.operatorUrl,
      'https://gw.example',
    ],
    [
      'identity map',
      'dns: {identity: {map: [{cidr: 100.64.0.0/10, isp: isp-one}]}}',
      (c) => c.dns.identity.map,
      [{ cidr: '100.64.0.0/10', isp: 'isp-one', groups: [] }],
    ],
  ])('%s', (_name, text, pick, expected) => {
    expect(pick(parseConfig(text, 'test.yaml'))).toEqual(expected);
  });

  test('a loaded configuration validates again unchanged (normalised values are accepted)', () => {
    const c = parseConfig(
      'dns: {upstreams: ["tls://192.0.2.1#dns.example", "[::1]:53"], workers: 2}',
      'test.yaml',
    );
    expect(loadConfig({ overrides: c })).toEqual(c);
  });
});

describe('errors', () => {
  test.each([
    ['wrong type: number', 'dns: {ednsBufferSize: big}', 'dns.ednsBufferSize: expected integer, got "big"'],
    [
      'wrong type: integer',
      'dns: {ednsBufferSize: 1232.5}',
      'dns.ednsBufferSize: expected integer, got 1232.5',
    ],
    [
      'wrong type: boolean',
      'dns: {cache: {prefetch: "yes"}}',
      'dns.cache.prefetch: expected true or false, got "yes"',
    ],
    ['wrong type: list', 'dns: {listen: "127.0.0.1:53"}', 'dns.listen: expected list, got "127.0.0.1:53"'],
    ['wrong type: mapping', 'dns: [1]', 'dns: expected mapping, got a list'],
    ['wrong type: string', 'dataDir: 5', 'dataDir: expected string, got 5'],
    ['empty string', 'dataDir: ""', 'dataDir: expected non-empty string, got ""'],
    ['out of range', 'dns: {ednsBufferSize: 100}', 'dns.ednsBufferSize: expected 512..4096, got 100'],
    ['unknown key', 'dns: {lisen: ["127.0.0.1:53"]}', 'dns.lisen: unknown key (did you mean "listen"?)'],
    [
      'unknown key, snake case',
      'dns: {cache: {max_bytes: 1}}',
      'dns.cache.max_bytes: unknown key (did you mean "maxBytes"?)',
    ],
    ['unknown key, far', 'frobnicate: 1', 'frobnicate: unknown key'],
    ['unknown section', 'dsn: {}', 'dsn: unknown key (did you mean "dns"?)'],
    [
      'enum',
      'log: {format: prety}',
      'log.format: expected one of "json", "pretty", got "prety" (did you mean "pretty"?)',
    ],
    ['either', 'dns: {workers: 0}', 'dns.workers: expected integer 1..256 or "auto", got 0'],
    ['listen port', 'dns: {listen: ["127.0.0.1:70000"]}', 'dns.listen[0].port: expected 0..65535, got 70000'],
    [
      'listen port text',
      'http: {listen: "127.0.0.1:http"}',
      'http.listen.port: expected integer 0..65535, got "http"',
    ],
    [
      'listen form',
      'dns: {listen: ["::1:53"]}',
      'dns.listen[0]: expected "ADDR:PORT" (IPv6 as "[::1]:53"), got "::1:53"',
    ],
    [
      'listen no port',
      'http: {listen: "127.0.0.1"}',
      'http.listen: expected "ADDR:PORT" (IPv6 as "[::1]:53"), got "127.0.0.1"',
    ],
    [
      'listen hostname',
      'http: {listen: "localhost:80"}',
      'http.listen.host: expected an IP address, got "localhost"',
    ],
    [
      'listen v4 bracketed',
      'http: {listen: "[10.0.0.1]:80"}',
      'http.listen.host: expected an IPv6 address in brackets, got "10.0.0.1"',
    ],
    ['listen item null', 'dns: {listen: [~]}', 'dns.listen[0]: expected ADDR:PORT, got null'],
    [
      'cidr host bits',
      'proxy: {domesticPrefixes: [10.0.0.1/8]}',
      'proxy.domesticPrefixes[0]: host bits set in "10.0.0.1/8" (did you mean "10.0.0.0/8"?)',
    ],
    [
      'cidr length',
      'proxy: {domesticPrefixes: [10.0.0.0/33]}',
      'proxy.domesticPrefixes[0]: expected CIDR like "10.0.0.0/8", got "10.0.0.0/33"',
    ],
    [
      'cidr junk',
      'proxy: {domesticPrefixes: [intranet]}',
      'proxy.domesticPrefixes[0]: expected CIDR like "10.0.0.0/8", got "intranet"',
    ],
    [
      'duration',
      'dns: {blockTtl: 10sec}',
      'dns.blockTtl: expected duration like "500ms", "10s" or "7d", got "10sec"',
    ],
    [
      'duration range',
      'policy: {maxOrderDuration: 20y}',
      'policy.maxOrderDuration: expected duration like "500ms", "10s" or "7d", got "20y"',
    ],
    [
      'duration bound',
      'policy: {maxOrderDuration: 5000d}',
      'policy.maxOrderDuration: expected 1m..3650d, got 5000d',
    ],
    [
      'duration negative',
      'dns: {blockTtl: -1}',
      'dns.blockTtl: expected duration like "500ms", "10s" or "7d", got -1',
    ],
    [
      'size',
      'dns: {cache: {maxBytes: 64mb}}',
      'dns.cache.maxBytes: expected size like "16KiB" or "64MiB", got "64mb"',
    ],
    ['size bound', 'proxy: {maxHeaderBytes: 2MiB}', 'proxy.maxHeaderBytes: expected 1KiB..1MiB, got 2MiB'],
    [
      'url',
      'policy: {operatorUrl: "ftp://x.example"}',
      'policy.operatorUrl: expected http(s) URL, got "ftp://x.example"',
    ],
    [
      'store',
      'store: mysql://db/x',
      'store: expected "sqlite:PATH" or "postgres://USER@HOST/DB", got "mysql://db/x"',
    ],
    [
      'store password hidden',
      'store: "postgres://u:hunter2@/x"',
      'store: expected "sqlite:PATH" or "postgres://USER@HOST/DB", got "postgres://u:***@/x"',
    ],
    [
      'upstream',
      'dns: {upstreams: ["https://dns.example"]}',
      'dns.upstreams[0]: parsing upstream "https://dns.example": unknown scheme "https"',
    ],
    [
      'required key',
      'dns: {identity: {map: [{cidr: 10.0.0.0/8}]}}',
      'dns.identity.map[0].isp: missing required key',
    ],
    ['root not a mapping', '- a\n- b\n', '(root): expected mapping, got a list'],
    [
      'cache ttl order',
      'dns: {cache: {minTtl: 2h, maxTtl: 1h}}',
      'dns.cache.minTtl: must not exceed maxTtl (1h), got 2h',
    ],
    ['tls pair', 'dns: {tls: {cert: /etc/gh/cert.pem}}', 'dns.tls.key: cert and key must be set together'],
    [
      'queue vs batch',
      'records: {batchSize: 500, maxQueue: 100}',
      'records.maxQueue: must be at least batchSize (500), got 100',
    ],
    [
      'listener clash',
      'proxy: {listen: ["127.0.0.1:8080"]}',
      'proxy.listen[0]: 127.0.0.1:8080 is already taken by http.listen (127.0.0.1:8080)',
    ],
    [
      'wildcard clash',
      'dns: {dot: ["0.0.0.0:5353"]}',
      'dns.dot[0]: 0.0.0.0:5353 is already taken by dns.listen[0] (127.0.0.1:5353)',
    ],
  ])('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual([expected]);
  });

  test('every error is reported at once, with its path', () => {
    const text = [
      'dataDir: 1',
      'dns:',
      '  lisen: []',
      '  listen: ["127.0.0.1:70000", "[::1]:53", "bogus"]',
      '  cache: {maxBytes: lots, serveStale: 1}',
      'log: {level: loud}',
    ].join('\n');
    const err = thrown(() => parseConfig(text, 'gatehouse.yaml'));
    expect(err.code).toBe('GH_ERR_CONFIG_INVALID');
    expect(err.message).toBe('invalid configuration in gatehouse.yaml: 7 errors');
    expect(err.details.map((d) => d.split(':')[0])).toEqual([
      'dataDir',
      'dns.lisen',
      'dns.listen[0].port',
      'dns.listen[2]',
      'dns.cache.maxBytes',
      'dns.cache.serveStale',
      'log.level',
    ]);
  });

  test('one error is singular', () => {
    expect(thrown(() => parseConfig('log: {level: 1}', 'a.yaml')).message).toBe(
      'invalid configuration in a.yaml: 1 error',
    );
  });

  test.each([
    ['unclosed flow list', 'dns:\n  listen: [\n  a: b\n', 'line 3, column 3'],
    ['bad indentation', 'dns:\n  listen: []\n   cache: {}\n', 'line 3'],
    ['duplicate key', 'log: {}\nlog: {}\n', 'line 2, column 1'],
    ['tab indentation', 'dns:\n\tlisten: []\n', 'line 2'],
  ])('yaml syntax error (%s) is GH_ERR_CONFIG_READ with its line', (_name, text, where) => {
    const err = thrown(() => parseConfig(text, 'bad.yaml'));
    expect(err.code).toBe('GH_ERR_CONFIG_READ');
    expect(err.message).toMatch(/^invalid yaml in bad\.yaml at line \d+, column \d+: [a-z]/);
    expect(err.message).toContain(where);
  });

  test('an alias bomb is refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(`${'b'.repeat(i + 1)}: &l${i} [${`*${i === 0 ? 'a' : `l${i - 1}`}, `.repeat(10)}]`);
    expect(thrown(() => parseConfig(bomb.join('\n'), 'bomb.yaml')).code).toBe('GH_ERR_CONFIG_READ');
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));

  test('reads a file', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'dns:\n  workers: 3\n');
    expect(loadConfig({ file }).dns.workers).toBe(3);
  });

  test('a missing file is GH_ERR_CONFIG_READ naming it', () => {
    const err = thrown(() => loadConfig({ file: join(dir, 'missing.yaml') }));
    expect(err.code).toBe('GH_ERR_CONFIG_READ');
    expect(err.message).toContain('missing.yaml": ENOENT');
  });

  test('a directory is GH_ERR_CONFIG_READ', () => {
    expect(thrown(() => loadConfig({ file: dir })).code).toBe('GH_ERR_CONFIG_READ');
  });

  test('errors name the file', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'log: {level: loud}\n');
    expect(thrown(() => loadConfig({ file })).message).toBe(`invalid configuration in ${file}: 1 error`);
  });

  test('overrides apply over the file', () => {
    const file = join(dir, 'over.yaml');
    writeFileSync(file, 'dns:\n  workers: 3\n  blockTtl: 1m\nlog: {format: pretty}\n');
    const c = loadConfig({
      file,
      overrides: { dns: { workers: 8, listen: ['[::1]:0'] }, log: { level: 'debug' } },
    });
    expect(c.dns.workers).toBe(8);
    expect(c.dns.blockTtl).toBe(60_000);
    expect(c.dns.listen).toEqual([{ host: '::1', port: 0, family: 6 }]);
    expect(c.log).toEqual({ level: 'debug', format: 'pretty' });
  });

  test('overrides are validated too', () => {
    const err = thrown(() => loadConfig({ overrides: { dns: { ednsBufferSize: 99_999 } } }));
    expect(err.message).toBe(
      'invalid configuration in built-in defaults with command-line overrides: 1 error',
    );
    expect(err.details).toEqual(['dns.ednsBufferSize: expected 512..4096, got 99999']);
  });
});

describe('freezing', () => {
  const c = defaultConfig();

  test.each<[string, (c: GatehouseConfig) => object]>([
    ['root', (c) => c],
    ['section', (c) => c.dns],
    ['nested section', (c) => c.dns.cache],
    ['list', (c) => c.dns.listen],
    ['list item', (c) => c.dns.listen[0]],
    ['store', (c) => c.store],
  ])('%s is frozen', (_name, pick) => {
    expect(Object.isFrozen(pick(c))).toBe(true);
  });

  test('assigning throws in strict mode', () => {
    expect(() => {
      (c.dns as { workers: unknown }).workers = 9;
    }).toThrow(TypeError);
  });

  test('each call returns a fresh configuration', () => {
    expect(defaultConfig()).not.toBe(defaultConfig());
  });
});

describe('mergeOverrides', () => {
  test.each<[string, unknown, unknown, unknown]>([
    ['mappings merge', { a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    ['lists replace', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['undefined is skipped', { a: 1 }, { a: undefined }, { a: 1 }],
    ['null base takes the override', { a: null }, { a: { b: 1 } }, { a: { b: 1 } }],
    ['a non-mapping in the file is kept to be reported', { a: 5 }, { a: { b: 1 } }, { a: 5 }],
  ])('%s', (_name, base, over, expected) => {
    expect(mergeOverrides(base, over)).toEqual(expected);
  });
});

describe('parseOverrides', () => {
  test('parses KEY=VALUE pairs as YAML values and merges them', () => {
    expect(
      parseOverrides([
        'dns.workers=4',
        'dns.listen=[0.0.0.0:53]',
        'log.level=debug',
        'dns.cache.prefetch=false',
      ]),
    ).toEqual({
      dns: { workers: 4, listen: ['0.0.0.0:53'], cache: { prefetch: false } },
      log: { level: 'debug' },
    });
  });

  test.each(['dns.workers', '=4', 'dns..workers=4', '1dns=4'])('refuses %j as GH_ERR_CLI_USAGE', (pair) => {
    expect(thrown(() => parseOverrides([pair])).code).toBe('GH_ERR_CLI_USAGE');
  });

  test('unknown keys are caught by validation', () => {
    expect(thrown(() => loadConfig({ overrides: parseOverrides(['dns.wrokers=4']) })).details).toEqual([
      'dns.wrokers: unknown key (did you mean "workers"?)',
    ]);
  });
});
