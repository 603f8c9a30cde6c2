import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { importList, parseListText } from './import.js';
import type { ImportProgress, ListFormat } from './summary.js';
import { formatLineError } from './summary.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-formats-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('importList', () => {
  it('reads a file and a Readable the same way as parseListText', async () => {
    const text = '# c\r\na.example\r\nb.example\n*.c.example';
    const fromFile = await importList(file('same.txt', text), 'domains');
    const fromStream = await importList(
      Readable.from([Buffer.from(text.slice(0, 7)), Buffer.from(text.slice(7))]),
      'domains',
    );
    const fromText = parseListText(text, 'domains');
    for (const s of [fromFile, fromStream]) expect(s.rules).toEqual(fromText.rules);
    expect(fromStream.source).toBe('<stream>');
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('bücher.example\n');
    const s = await importList(Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]), 'domains');
    expect(s.rules).toEqual([{ kind: 'exact', value: 'xn--bcher-kva.example' }]);
  });

  it('reports progress with the total size of a file', async () => {
    const seen: ImportProgress[] = [];
    const path = file('progress.txt', 'a.example\nb.example\n');
    await importList(path, 'domains', { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ lines: 2, bytes: 20, totalBytes: 20 });
  });

  it('throws GH_ERR_LIST_STREAM for a missing file', async () => {
    const err = await rejection(importList(join(dir, 'missing.txt'), 'domains'));
    expect(isGatehouseError(err, 'GH_ERR_LIST_STREAM')).toBe(true);
  });

  it('throws GH_ERR_LIST_STREAM when the stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    expect(isGatehouseError(await rejection(importList(failing, 'domains')), 'GH_ERR_LIST_STREAM')).toBe(
      true,
    );
  });

  it('throws GH_ERR_LIST_ERROR_BUDGET with the first errors as details', async () => {
    const path = file('bad.txt', 'good.example\n'.concat('bad!\n'.repeat(20)));
    const err = await rejection(importList(path, 'domains', { errorBudget: 5, source: 'bad.txt' }));
    expect(isGatehouseError(err, 'GH_ERR_LIST_ERROR_BUDGET')).toBe(true);
    if (!isGatehouseError(err)) return;
    expect(err.details).toHaveLength(6);
    expect(err.details[0]).toBe('bad.txt:2: invalid character in name: "bad!": bad!');
  });

  it('defaults the budget to max(1000, 1% of lines)', () => {
    expect(parseListText('x!\n'.repeat(1000), 'domains').errors).toHaveLength(1000);
    expect(() => parseListText('x!\n'.repeat(1001), 'domains')).toThrow(/more than 1000 bad lines/);
    const mostlyGood = 'ok.example\n'.repeat(200_000).concat('x!\n'.repeat(1500));
    expect(parseListText(mostlyGood, 'domains').errors).toHaveLength(1500);
  });

  it('throws GH_ERR_LIST_FORMAT for an unknown format', () => {
    let err: unknown;
    try {
      parseListText('', 'nope' as ListFormat);
    } catch (e) {
      err = e;
    }
    expect(isGatehouseError(err, 'GH_ERR_LIST_FORMAT')).toBe(true);
  });

  it('formats line errors as file:line: what: text', () => {
    expect(formatLineError('l.txt', { line: 3, message: 'empty label', text: 'a..b' })).toBe(
      'l.txt:3: empty label: a..b',
    );
  });
});
