import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv (RFC 4180)', () => {
  it.each<[string, string, { line: number; fields: string[] }[]]>([
    [
      'plain rows with CRLF',
      'a,b\r\nc,d\r\n',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['c', 'd'] },
      ],
    ],
    [
      'bare LF and no final newline',
      'a,b\nc,d',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['c', 'd'] },
      ],
    ],
    ['quoted commas', '"a,1",b\n', [{ line: 1, fields: ['a,1', 'b'] }]],
    ['doubled quotes', '"say ""hi""",x\n', [{ line: 1, fields: ['say "hi"', 'x'] }]],
    [
      'an embedded line break keeps later line numbers right',
      'h1,h2\n"Street 1\nCity",x\nnext,y\n',
      [
        { line: 1, fields: ['h1', 'h2'] },
        { line: 2, fields: ['Street 1\nCity', 'x'] },
        { line: 4, fields: ['next', 'y'] },
      ],
    ],
    [
      'an embedded CRLF',
      '"a\r\nb",c\r\nd,e\r\n',
      [
        { line: 1, fields: ['a\r\nb', 'c'] },
        { line: 3, fields: ['d', 'e'] },
      ],
    ],
    ['empty fields', ',,\n', [{ line: 1, fields: ['', '', ''] }]],
    ['an empty quoted field', '"",x\n', [{ line: 1, fields: ['', 'x'] }]],
    [
      'blank lines skipped but counted',
      'a\n\n\nb\n',
      [
        { line: 1, fields: ['a'] },
        { line: 4, fields: ['b'] },
      ],
    ],
    ['a byte order mark', '\ufeffa,b\n', [{ line: 1, fields: ['a', 'b'] }]],
    ['spaces kept', ' a , b \n', [{ line: 1, fields: [' a ', ' b '] }]],
  ])('%s', (_, text, records) => {
    const r = parseCsv(text);
    expect(r.errors).toEqual([]);
    expect(r.records).toEqual(records);
  });

  it.each<[string, string, number]>([
    ['an unclosed quote names the line it opened on', 'a,b\nc,"open\nstill\n', 2],
    ['text after a closing quote', 'a,b\n"x"y,z\n', 2],
    ['a quote inside an unquoted field', 'a,b\nx"y,z\n', 2],
    ['a bad row after a multi-line field', 'a,b\n"1\n2\n3",ok\nx"y,z\n', 5],
  ])('reports %s', (_, text, line) => {
    const r = parseCsv(text);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].line).toBe(line);
  });
});
