import { describe, expect, it } from 'vitest';
import { parseListText } from './import.js';

const HEADER = 'url,category_code,category_description,date_added,source,notes\n';
const csv = (rows: string) => parseListText(HEADER + rows, 'citizenlab');

describe('citizenlab importer', () => {
  it.each([
    ['https://example.org/,NEWS,News Media,2020-01-01,x,', { kind: 'exact', value: 'example.org' }],
    ['http://Example.org,NEWS,News Media,2020-01-01,x,', { kind: 'exact', value: 'example.org' }],
    ['http://example.org/a/b?c=d,NEWS,News,2020-01-01,x,', { kind: 'url', value: 'example.org/a/b?c=d' }],
    ['https://1.1.1.1/,HOST,Hosting,2020-01-01,x,', { kind: 'cidr', value: '1.1.1.1' }],
    [
      'https://example.org/,NEWS,News,2020-01-01,x,"notes, with ""commas"""',
      { kind: 'exact', value: 'example.org' },
    ],
  ])('%s', (row, rule) => {
    const s = csv(row);
    expect(s.errors).toEqual([]);
    expect(s.rules).toEqual([rule]);
  });

  it('counts categories', () => {
    const s = csv(
      'https://a.example/,NEWS,N,d,s,\nhttps://b.example/,NEWS,N,d,s,\nhttps://c.example/,HUMR,H,d,s,\n',
    );
    expect(s.categories).toEqual({ NEWS: 2, HUMR: 1 });
  });

  it('joins a quoted field that spans lines', () => {
    const s = csv('https://a.example/,NEWS,N,d,s,"first\nsecond"\n');
    expect(s.rules).toHaveLength(1);
    expect(s.errors).toEqual([]);
  });

  it.each([
    ['not a url,NEWS,N,d,s,', 'invalid url'],
    ['ftp://a.example/,NEWS,N,d,s,', 'not an http(s) url'],
    ['https://a.example/,NEWS', 'expected 6 fields'],
    ['https://bad_host!.example/,NEWS,N,d,s,', 'invalid'],
  ])('reports the malformed row %s', (row, message) => {
    const s = csv(row);
    expect(s.errors[0]?.message).toContain(message);
    expect(s.errors[0]?.line).toBe(2);
  });

  it('reports a missing header', () => {
    expect(parseListText('https://a.example/,NEWS,N,d,s,\n', 'citizenlab').errors[0]?.message).toContain(
      'header',
    );
  });
});
