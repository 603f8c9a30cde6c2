import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { parseImport } from './import.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const HEADER = 'id,name,document_type,document_number,address,phone,verified_at,verification_method';
const good = (id: string) =>
  `${id},Mari Maasikas,passport,AB123456,"Tänav 1, Tallinn",+372 555 1234,2026-01-15,in-person`;

function problems(format: 'csv' | 'json', body: string, isp = 'isp-a'): string[] {
  try {
    parseImport(isp, format, body, NOW);
  } catch (err) {
    if (isGatehouseError(err, 'GH_ERR_SUBSCRIBER_INVALID')) return [...err.details];
    throw err;
  }
  throw new Error('expected GH_ERR_SUBSCRIBER_INVALID');
}

describe('parseImport', () => {
  it('parses and normalises CSV rows', () => {
    const rows = parseImport('isp-a', 'csv', `${HEADER}\n${good('sub-1')}\n`, NOW);
    expect(rows).toEqual([
      {
        isp: 'isp-a',
        id: 'sub-1',
        name: 'Mari Maasikas',
        documentType: 'passport',
        documentNumber: 'AB123456',
        address: 'Tänav 1, Tallinn',
        phone: '+3725551234',
        verifiedAt: Date.parse('2026-01-15'),
        verificationMethod: 'in-person',
      },
    ]);
  });

  it('accepts camelCase headers, an isp column naming the same ISP, and multi-line addresses', () => {
    const body = `isp,id,name,documentType,documentNumber,address,phone,verifiedAt,verificationMethod\nisp-a,s1,N,national-id,1,"L1\nL2",+3725550000,2026-01-01T10:00:00Z,eid\n`;
    expect(parseImport('isp-a', 'csv', body, NOW)[0].address).toBe('L1\nL2');
  });

  it('reports every bad row with its CSV line and field, counting embedded line breaks', () => {
    const body = [
      HEADER,
      good('sub-1'),
      's 2,Name,passport,1,"Street\nCity",+3725551234,2026-01-01,eid',
      'sub-3,Name,passport,1,Addr,12345,2099-01-01,eid',
      good('sub-1'),
      'sub-5,,passport,1,Addr,+3725551234,2026-01-01,eid',
    ].join('\n');
    expect(problems('csv', body)).toEqual([
      expect.stringMatching(/^line 3: id: /),
      expect.stringMatching(/^line 5: phone: /),
      expect.stringMatching(/^line 5: verifiedAt: /),
      expect.stringMatching(/^line 6: id: .*line 2/),
      'line 7: name: required',
    ]);
  });

  it.each<[string, string, RegExp]>([
    ['an unknown column', `${HEADER},extra\n`, /^line 1: extra: unknown column/],
    ['a missing column', 'id,name\n', /^line 1: documentType: column missing/],
    ['a short row', `${HEADER}\nsub-1,Name\n`, /^line 2: \(csv\): has 2 fields/],
    ['an unclosed quote', `${HEADER}\n${good('s')}\n"oops\n`, /^line 3: \(csv\): quoted field/],
    ['another ISP', `isp,${HEADER}\nisp-b,${good('s')}\n`, /^line 2: isp: /],
  ])('reports %s', (_, body, pattern) => {
    expect(problems('csv', body)[0]).toMatch(pattern);
  });

  it('reports JSON rows by index and field', () => {
    const row = {
      id: 'sub-1',
      name: 'N',
      documentType: 'passport',
      documentNumber: '1',
      address: 'A',
      phone: '+3725551234',
      verifiedAt: '2026-01-01',
      verificationMethod: 'eid',
    };
    const body = JSON.stringify([
      row,
      { ...row, id: 'sub-2', phone: 42 },
      'x',
      { ...row, id: 'sub-4', nickname: 'n' },
    ]);
    expect(problems('json', body)).toEqual([
      expect.stringMatching(/^\[1\]: phone: must be a string/),
      '[2]: (row): must be an object',
      '[3]: nickname: unknown field',
    ]);
    expect(parseImport('isp-a', 'json', JSON.stringify([row]), NOW)).toHaveLength(1);
  });

  it.each([
    ['json', '{"not":"an array"}'],
    ['json', '[{'],
    ['xml', '<x/>'],
  ] as const)('refuses a %s body %j as a whole', (format, body) => {
    expect(() => parseImport('isp-a', format as 'json', body, NOW)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_SUBSCRIBER_INVALID' }),
    );
  });

  it('never echoes identity values in problems', () => {
    const body = `${HEADER}\nsub-1,Secret Name\u0001,passport,SECRETDOC\u0002,Addr,+3725551234,2026-01-01,eid\n`;
    const text = problems('csv', body).join('\n');
    expect(text).not.toContain('Secret Name');
    expect(text).not.toContain('SECRETDOC');
  });
});
