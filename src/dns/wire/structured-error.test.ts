import { describe, expect, it } from 'vitest';
import { extraTextFor, fitUtf8, plainErrorText, structuredErrorJson } from './structured-error.js';

const FIELDS = {
  j: 'Blocked under court order 2026/17 (Art. 12 Online Safety Act)',
  o: 'National Gateway Authority',
  c: ['mailto:appeals@gateway.example', 'tel:+15555550100', 'sips:bob@example.com', 'https://ticket.example'],
  l: 'en',
};

describe('structuredErrorJson', () => {
  it('emits minified I-JSON with registered contact schemes only', () => {
    const text = structuredErrorJson({ ...FIELDS, s: 1 });
    expect(JSON.parse(text)).toEqual({ c: FIELDS.c.slice(0, 2), j: FIELDS.j, s: 1, o: FIELDS.o, l: 'en' });
    expect(text).not.toMatch(/\s"|":\s/);
  });

  it('never sends a sub-error with Censored (draft-22 §5.2)', () => {
    expect(JSON.parse(structuredErrorJson({ ...FIELDS, s: 1 }, { infoCode: 16 })).s).toBeUndefined();
  });

  it('adds l when j or o is present', () => {
    expect(JSON.parse(structuredErrorJson({ j: 'x' })).l).toBe('en');
  });

  it.each([
    { max: 512, keys: ['c', 'j', 'o', 'l'] },
    { max: 90, keys: ['c'] },
    { max: 40, keys: ['c'] },
    { max: 10, keys: [] },
  ])('fits $max bytes by dropping j and o first, then contacts', ({ max, keys }) => {
    const text = structuredErrorJson(FIELDS, { maxBytes: max });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(max);
    expect(text === '' ? [] : Object.keys(JSON.parse(text))).toEqual(keys);
  });

  it('returns empty when nothing meaningful remains', () => {
    expect(structuredErrorJson({ o: 'Only an organisation' })).toBe('');
    expect(structuredErrorJson({ j: '   ', c: ['https://x.example'] })).toBe('');
  });

  it('replaces lone surrogates (RFC 7493 §2.1)', () => {
    expect(JSON.parse(structuredErrorJson({ j: 'bad \ud800 text' })).j).toBe('bad \ufffd text');
  });
});

describe('plain text fallback', () => {
  it('formats organisation, justification and contacts', () => {
    expect(plainErrorText({ o: 'Gatehouse', j: 'order 17', c: ['mailto:a@b.example'] })).toBe(
      'Gatehouse: order 17 (contact: mailto:a@b.example)',
    );
  });

  it('cuts on a UTF-8 boundary', () => {
    expect(fitUtf8('aé', 2)).toBe('a');
    expect(fitUtf8('aéb', 3)).toBe('aé');
  });

  it('picks JSON only for clients that signalled', () => {
    expect(extraTextFor(false, FIELDS).startsWith('{')).toBe(false);
    expect(extraTextFor(true, FIELDS).startsWith('{')).toBe(true);
  });
});
