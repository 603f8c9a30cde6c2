import { beforeAll, describe, expect, test } from 'vitest';
import {
  buildClientHello,
  buildHandshake,
  captureNodeHello,
  captureOpensslHello,
  frameRecords,
  handshakeOf,
  serverNameExtension,
} from '../../test/fuzz/proxy-corpus.js';
import { ClientHelloReader, type ClientHelloResult, parseClientHello } from './sni.js';

interface Captured {
  readonly name: string;
  readonly bytes: Buffer;
  readonly sni: string | null;
  readonly alpn: string[];
  readonly tlsVersion: number;
}

// Real hellos, captured once: openssl s_client and Node's tls.connect against a local net server.
const CLIENTS = [
  { name: 'openssl -servername x', args: ['-servername', 'x'], sni: 'x', alpn: [], tlsVersion: 0x0304 },
  {
    name: 'openssl alpn h2,http/1.1',
    args: ['-servername', 'www.example.com', '-alpn', 'h2,http/1.1'],
    sni: 'www.example.com',
    alpn: ['h2', 'http/1.1'],
    tlsVersion: 0x0304,
  },
  {
    name: 'openssl -tls1_2',
    args: ['-servername', 'tls12.example', '-tls1_2'],
    sni: 'tls12.example',
    alpn: [],
    tlsVersion: 0x0303,
  },
  {
    name: 'openssl -tls1_3',
    args: ['-servername', 'tls13.example', '-tls1_3'],
    sni: 'tls13.example',
    alpn: [],
    tlsVersion: 0x0304,
  },
  { name: 'openssl -noservername', args: ['-noservername'], sni: null, alpn: [], tlsVersion: 0x0304 },
] as const;

const NODE_CLIENTS = [
  {
    name: 'node TLS 1.3 h2',
    options: { servername: 'Example.COM', ALPNProtocols: ['h2', 'http/1.1'] },
    sni: 'example.com',
    alpn: ['h2', 'http/1.1'],
    tlsVersion: 0x0304,
  },
  {
    name: 'node TLS 1.2 only',
    options: { servername: 'old.example.org', maxVersion: 'TLSv1.2' as const },
    sni: 'old.example.org',
    alpn: [],
    tlsVersion: 0x0303,
  },
  {
    name: 'node http/1.1',
    options: { servername: 'a.b.example', ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.3' as const },
    sni: 'a.b.example',
    alpn: ['http/1.1'],
    tlsVersion: 0x0304,
  },
];

const captured: Captured[] = [];

beforeAll(async () => {
  for (const c of CLIENTS)
    captured.push({ ...c, alpn: [...c.alpn], bytes: await captureOpensslHello(c.args) });
  for (const c of NODE_CLIENTS) captured.push({ ...c, bytes: await captureNodeHello(c.options) });
});

function expectDone(r: ClientHelloResult) {
  if (r.state !== 'done') throw new Error(`expected done, got ${JSON.stringify(r)}`);
  return r;
}

function feedSplit(bytes: Uint8Array, cuts: readonly number[]): ClientHelloResult {
  const reader = new ClientHelloReader();
  let start = 0;
  let last: ClientHelloResult = { state: 'need-more' };
  for (const end of [...cuts, bytes.length]) {
    last = reader.push(bytes.subarray(start, end));
    start = end;
  }
  return last;
}

describe('real client hellos', () => {
  test('every captured hello yields its sni, alpn and version', () => {
    expect(captured).toHaveLength(CLIENTS.length + NODE_CLIENTS.length);
    for (const c of captured) {
      const r = expectDone(parseClientHello(c.bytes));
      expect({ name: c.name, sni: r.sni, alpn: r.alpn, v: r.tlsVersion, ech: r.ech }).toEqual({
        name: c.name,
        sni: c.sni,
        alpn: c.alpn,
        v: c.tlsVersion,
        ech: false,
      });
      expect(r.bytesConsumed).toBe(c.bytes.length);
      expect(r.recordVersion).toBe(0x0301);
    }
  });

  test('a hello split in two at every byte boundary gives the same answer', () => {
    for (const c of captured) {
      const whole = parseClientHello(c.bytes);
      for (let i = 1; i < c.bytes.length; i++) {
        const reader = new ClientHelloReader();
        expect(reader.push(c.bytes.subarray(0, i)).state).toBe('need-more');
        expect(reader.push(c.bytes.subarray(i))).toEqual(whole);
      }
    }
  });

  test('a hello fed one byte at a time gives the same answer', () => {
    for (const c of captured) {
      const cuts = Array.from({ length: c.bytes.length - 1 }, (_, i) => i + 1);
      expect(feedSplit(c.bytes, cuts)).toEqual(parseClientHello(c.bytes));
    }
  });

  test('a hello split across two TLS records at every handshake offset, fed byte by byte', () => {
    const c = captured[1];
    const hs = handshakeOf(c.bytes);
    for (let cut = 1; cut < hs.length; cut++) {
      const flight = frameRecords(hs, [cut]);
      const one = expectDone(parseClientHello(flight));
      expect([one.sni, one.alpn, one.bytesConsumed]).toEqual([c.sni, c.alpn, flight.length]);
      if (cut % 37 === 1) {
        const cuts = Array.from({ length: flight.length - 1 }, (_, i) => i + 1);
        expect(feedSplit(flight, cuts)).toEqual(one);
      }
    }
  });

  test('openssl -servername with an IP literal: no name to judge, flagged, judged by destination', async () => {
    const r = expectDone(parseClientHello(await captureOpensslHello(['-servername', '192.0.2.1'])));
    expect([r.sni, r.sniIpLiteral]).toEqual([null, true]);
  });

  test('a hello in many small records reassembles', () => {
    const hs = handshakeOf(captured[0].bytes);
    const cuts = Array.from({ length: Math.floor(hs.length / 16) }, (_, i) => (i + 1) * 16).filter(
      (x) => x < hs.length,
    );
    expect(expectDone(parseClientHello(frameRecords(hs, cuts))).sni).toBe('x');
  });
});

describe('constructed hellos', () => {
  const cases: ReadonlyArray<
    [string, Parameters<typeof buildClientHello>[0], Partial<Record<string, unknown>>]
  > = [
    ['no extensions block at all', { sni: null }, { sni: null, alpn: [], tlsVersion: 0x0303 }],
    [
      'upper case and one trailing dot are normalised',
      { sni: 'WWW.Example.ORG.' },
      { sni: 'www.example.org' },
    ],
    ['underscore label', { sni: '_acme.example' }, { sni: '_acme.example' }],
    ['IPv4 literal: refused as a name, flagged', { sni: '192.0.2.1' }, { sni: null, sniIpLiteral: true }],
    ['IPv6 literal: refused as a name, flagged', { sni: '2001:db8::1' }, { sni: null, sniIpLiteral: true }],
    [
      'ECH outer: judged on the outer name',
      { sni: 'public.example', ech: 'outer' },
      { sni: 'public.example', ech: true },
    ],
    [
      'ECH inner type in the clear',
      { sni: 'real.example', ech: 'inner' },
      { sni: 'real.example', ech: false },
    ],
    [
      'GREASE versions are skipped',
      { sni: 'g.example', versions: [0x3a3a, 0x0304, 0x0303] },
      { tlsVersion: 0x0304 },
    ],
    [
      'ALPN kept in client order',
      { sni: 'a.example', alpn: ['http/1.1', 'h2'] },
      { alpn: ['http/1.1', 'h2'] },
    ],
    [
      'unknown extensions skipped',
      { sni: 'u.example', extra: [[0xffce, Buffer.alloc(9)]] },
      { sni: 'u.example' },
    ],
  ];
  test.each(cases)('%s', (_name, spec, want) => {
    const r = expectDone(parseClientHello(buildClientHello(spec)));
    expect(r).toMatchObject(want);
  });

  test('a hello of exactly the limit is read; one byte more is too large', () => {
    const pad = (n: number) => buildHandshake({ sni: 'big.example', extra: [[0xffce, Buffer.alloc(n)]] });
    const base = pad(0).length;
    const fits = pad(16384 - base);
    expect(fits.length).toBe(16384);
    expect(expectDone(parseClientHello(frameRecords(fits, [16000]))).sni).toBe('big.example');
    expect(parseClientHello(frameRecords(pad(16384 - base + 1), [16000]))).toEqual({
      state: 'malformed',
      reason: 'too-large',
    });
  });
});

describe('refused bytes', () => {
  const hello = buildClientHello({ sni: 'ok.example' });
  const patch = (at: number, ...bytes: number[]) => {
    const b = Buffer.from(hello);
    b.set(bytes, at);
    return b;
  };
  const ext = (type: number, data: Uint8Array) => [type, data] as const;
  const cases: ReadonlyArray<[string, Uint8Array, string, string]> = [
    ['HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'not-tls', 'not-handshake'],
    [
      'SSLv2-compatible hello',
      Buffer.from('802e0103010015000000100100800300800700c0', 'hex'),
      'not-tls',
      'not-handshake',
    ],
    ['record version 2.0', patch(1, 2, 0), 'not-tls', 'bad-record-version'],
    ['record longer than 2^14', patch(3, 0x40, 0x01), 'malformed', 'record-too-long'],
    ['zero-length record', Buffer.from([22, 3, 1, 0, 0, 1, 0, 0, 0]), 'malformed', 'empty-record'],
    ['not a ClientHello (ServerHello)', patch(5, 2), 'malformed', 'not-client-hello'],
    [
      'handshake longer than the record, then an alert record',
      Buffer.concat([
        frameRecords(buildHandshake({ sni: 'a.b' }).subarray(0, 20)),
        Buffer.from([21, 3, 3, 0, 2, 2, 40]),
      ]),
      'malformed',
      'interleaved-record',
    ],
    ['legacy_version 2.0', patch(9, 2, 0), 'malformed', 'bad-version'],
    ['session id longer than 32', patch(43, 33), 'malformed', 'bad-session-id'],
    ['odd cipher suite length', patch(76, 0, 5), 'malformed', 'bad-cipher-suites'],
    [
      'handshake truncated inside the hello',
      frameRecords(Buffer.from([1, 0, 0, 20, 3, 3, ...Buffer.alloc(18)])),
      'malformed',
      'truncated',
    ],
    [
      'extensions block length off by one',
      patch(86, hello[86], hello[87] + 1),
      'malformed',
      'bad-extensions',
    ],
    ['name with a space', buildClientHello({ sni: 'exa mple.com' }), 'malformed', 'bad-sni'],
    ['empty label', buildClientHello({ sni: 'a..example' }), 'malformed', 'bad-sni'],
    ['label of 64 bytes', buildClientHello({ sni: `${'a'.repeat(64)}.example` }), 'malformed', 'bad-sni'],
    [
      'non-ASCII byte',
      buildClientHello({ sni: Buffer.from('caf\xe9.example', 'latin1') }),
      'malformed',
      'bad-sni',
    ],
    ['numeric final label', buildClientHello({ sni: 'example.123' }), 'malformed', 'bad-sni'],
    ['hex final label', buildClientHello({ sni: 'a.0X7F' }), 'malformed', 'bad-sni'],
    ['empty name', buildClientHello({ sni: '' }), 'malformed', 'bad-sni'],
    [
      'two host_names in one list',
      buildClientHello({ extra: [ext(0, Buffer.from('000a00000361626300000378797a', 'hex'))] }),
      'malformed',
      'bad-sni',
    ],
    [
      'two server_name extensions',
      buildClientHello({ sni: 'a.example', extra: [ext(0, serverNameExtension('b.example'))] }),
      'malformed',
      'duplicate-extension',
    ],
    [
      'ALPN with an empty name',
      buildClientHello({ extra: [ext(16, Buffer.from([0, 3, 2, 0x68, 0x32, 0]))] }),
      'malformed',
      'bad-alpn',
    ],
    [
      'odd supported_versions',
      buildClientHello({ extra: [ext(43, Buffer.from([3, 3, 4, 3]))] }),
      'malformed',
      'bad-supported-versions',
    ],
    ['ECH of an unknown type', buildClientHello({ ech: Buffer.from([7]) }), 'malformed', 'bad-ech'],
    [
      'ECH outer with an empty payload',
      buildClientHello({ ech: Buffer.from('00000100010700000000', 'hex') }),
      'malformed',
      'bad-ech',
    ],
  ];
  test.each(cases)('%s', (_name, bytes, state, reason) => {
    expect(parseClientHello(bytes)).toEqual({ state, reason });
  });

  test('the session id offset used by the table is where the builder puts it', () => {
    expect(hello[43]).toBe(32);
    expect(hello.readUInt16BE(76)).toBe(6);
    expect(hello.readUInt16BE(86)).toBe(hello.length - 88);
  });

  test('the first byte decides not-tls without waiting for more', () => {
    expect(new ClientHelloReader().push(Buffer.from('G'))).toEqual({
      state: 'not-tls',
      reason: 'not-handshake',
    });
  });

  test('a partial hello needs more, and a final state sticks', () => {
    const reader = new ClientHelloReader();
    expect(reader.push(hello.subarray(0, 40))).toEqual({ state: 'need-more' });
    const done = reader.push(hello.subarray(40));
    expect(done.state).toBe('done');
    expect(reader.push(Buffer.from('anything'))).toBe(done);
  });

  test('many tiny records cannot make the reader buffer without bound', () => {
    const hs = buildHandshake({ sni: 'tiny.example', extra: [[0xffce, Buffer.alloc(600)]] });
    const cuts = Array.from({ length: hs.length - 1 }, (_, i) => i + 1);
    expect(parseClientHello(frameRecords(hs, cuts), { maxHelloBytes: 1024 })).toEqual({
      state: 'malformed',
      reason: 'too-large',
    });
  });
});
