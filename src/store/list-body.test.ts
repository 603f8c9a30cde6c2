import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget, parseTargetOrThrow } from '../policy/target.js';
import { decodeLines, encodeBody, parseLines, parseStoredLine } from './list-body.js';

const CORPUS = [
  'example.com',
  '=example.com',
  '*.example.com',
  '*example.com',
  'a',
  '_dmarc.example.com',
  'xn--bcher-kva.example',
  'dead.beef',
  'cafe',
  '1.2.3',
  '=1.2.3',
  '*.1.2',
  '1.2.3.4',
  '10.0.0.0/8',
  '2001:db8::/32',
  '=a..b',
  '-bad.example',
  'bad-.example',
  `${'a'.repeat(63)}.example`,
  `${'a'.repeat(64)}.example`,
  `${'abcdefghi.'.repeat(25)}com`,
  `${'abcdefghi.'.repeat(26)}com`,
  'Upper.Example',
  'x.example$important',
  '@@x.example',
  'http://example.org/a?b=1',
  'https',
  '',
  '=',
  '*.',
];

describe('parseStoredLine', () => {
  it.each(CORPUS)('parses %j exactly as parseTarget does', (line) => {
    expect(parseStoredLine(line)).toEqual(parseTarget(line));
  });

  it('agrees with parseTarget on random lines over the name alphabet', () => {
    const alphabet = 'ab09_-.=*:/';
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 20_000; i++) {
      const line = Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(
        '',
      );
      expect(parseStoredLine(line), line).toEqual(parseTarget(line));
    }
  });
});

describe('list bodies', () => {
  it('round-trips rules, dropping duplicates and keeping order', async () => {
    const rules = [
      'b.example',
      '=a.example',
      'b.example',
      '*.c.example',
      '10.0.0.0/8',
      '@@d.example$important',
    ];
    const encoded = await encodeBody(rules.map(parseTargetOrThrow));
    expect(encoded.ruleCount).toBe(5);
    const lines = await decodeLines(encoded.body, encoded.sha256, 'test');
    expect(lines).toEqual(['b.example', '=a.example', '*.c.example', '10.0.0.0/8', '@@d.example$important']);
    expect(parseLines(lines, 'test').map(formatTarget)).toEqual(lines);
  });

  it.each([
    [
      'a wrong checksum',
      async () => decodeLines((await encodeBody([])).body, '00'.repeat(32), 'list 1 version 1'),
    ],
    ['a body that is not gzip', async () => decodeLines(Buffer.from('plain'), '00', 'list 1 version 1')],
    ['a line that no longer parses', async () => parseLines(['ok.example', 'bad..name'], 'list 1 version 1')],
  ])('reports %s as GH_ERR_STORE_CORRUPT', async (_, read) => {
    await expect(read()).rejects.toMatchObject({ code: 'GH_ERR_STORE_CORRUPT' });
  });

  it('checks the hash of what it decompressed', async () => {
    const body = gzipSync(Buffer.from('a.example'));
    await expect(decodeLines(body, 'ff'.repeat(32), 'v')).rejects.toMatchObject({
      code: 'GH_ERR_STORE_CORRUPT',
    });
  });

  // Decompression sizes its output from the gzip trailer (ISIZE); that is only a hint.
  const text = Array.from({ length: 5000 }, (_, i) => `n${i}.example`).join('\n');
  const sha = createHash('sha256').update(text).digest('hex');
  const half = text.indexOf('\n', text.length >> 1);
  const withIsize = (body: Buffer, isize: number) => {
    const out = Buffer.from(body);
    out.writeUInt32LE(isize, out.length - 4);
    return out;
  };
  it.each([
    ['one member', gzipSync(text)],
    // RFC 1952 §2.2: a gzip file may hold several members; ISIZE is then the last one's.
    ['two members', Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))])],
  ])('decompresses %s whole', async (_, body) => {
    expect((await decodeLines(body, sha, 'v')).join('\n')).toBe(text);
  });

  it.each([
    ['too small', 10],
    ['huge', 0xffffffff],
  ])('reports an ISIZE %s as GH_ERR_STORE_CORRUPT', async (_, isize) => {
    await expect(decodeLines(withIsize(gzipSync(text), isize), sha, 'v')).rejects.toMatchObject({
      code: 'GH_ERR_STORE_CORRUPT',
    });
  });
});
