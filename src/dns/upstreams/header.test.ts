import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import {
  buildQuery,
  IdSource,
  isResponse,
  isTruncated,
  questionKey,
  rcodeOf,
  readId,
  writeId,
} from './header.js';

const query = (name: string, type: 'A' | 'AAAA' = 'A') =>
  dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type, class: 'IN' }] });

describe('questionKey', () => {
  it('ignores ASCII case (RFC 4343) but not type or name', () => {
    expect(questionKey(query('WWW.Example.TEST'))).toBe(questionKey(query('www.example.test')));
    expect(questionKey(query('www.example.test', 'AAAA'))).not.toBe(questionKey(query('www.example.test')));
    expect(questionKey(query('ww.example.test'))).not.toBe(questionKey(query('www.example.test')));
  });

  it('follows a compression pointer in the question name', () => {
    const plain = query('a.example.test');
    // Header, then "a" + pointer to a second copy of "example.test" placed after the question.
    const tail = Buffer.from([7, ...Buffer.from('example'), 4, ...Buffer.from('test'), 0]);
    const head = Buffer.from(plain.subarray(0, 12));
    const qname = Buffer.from([1, 0x61, 0xc0, 12 + 4 + 4]);
    const compressed = Buffer.concat([head, qname, Buffer.from([0, 1, 0, 1]), tail]);
    expect(questionKey(compressed)).toBe(questionKey(plain));
  });

  it.each([
    ['too short', Buffer.alloc(11)],
    ['no question', Buffer.concat([Buffer.alloc(12), Buffer.from([0, 0, 1, 0, 1])])],
    [
      'two questions',
      (() => {
        const b = query('x.test');
        b[5] = 2;
        return b;
      })(),
    ],
    [
      'label past the end',
      (() => {
        const b = query('x.test');
        return b.subarray(0, 15);
      })(),
    ],
    ['pointer loop', Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])],
    ['reserved label type', Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1])],
    ['missing type and class', Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])],
  ])('is null for %s', (_name, buf) => {
    expect(questionKey(buf)).toBeNull();
  });
});

describe('header fields', () => {
  it('reads and writes ID, QR, TC and RCODE', () => {
    const b = dnsPacket.encode({
      type: 'response',
      id: 0xbeef,
      flags: dnsPacket.TRUNCATED_RESPONSE | 3,
      questions: [],
    });
    expect(readId(b)).toBe(0xbeef);
    expect(isResponse(b)).toBe(true);
    expect(isTruncated(b)).toBe(true);
    expect(rcodeOf(b)).toBe(3);
    writeId(b, 0x0102);
    expect(dnsPacket.decode(b).id).toBe(0x0102);
  });

  it.each([['.'], ['example.test'], ['example.test.']])(
    'buildQuery(%s) decodes as a recursive query',
    (name) => {
      const p = dnsPacket.decode(buildQuery(name, 2, 99));
      expect(p.id).toBe(99);
      expect(p.flag_rd).toBe(true);
      expect(p.questions).toEqual([{ name: name === '.' ? '.' : 'example.test', type: 'NS', class: 'IN' }]);
    },
  );
});

describe('IdSource', () => {
  it('never returns an ID already in use', () => {
    const ids = new IdSource();
    const used = new Map<number, true>();
    for (let i = 0; i < 60_000; i++) used.set(ids.unused(used), true);
    expect(used.size).toBe(60_000);
    for (let i = used.size; i < 0xff00; i++) used.set(ids.unused(used), true);
    expect(ids.unused(used)).toBe(-1);
  });
});
