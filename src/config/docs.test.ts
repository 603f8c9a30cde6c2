import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DOCS_COMMAND, GENERATED_DOCS, renderConfigDocs, renderExampleConfig } from './docs.js';
import type { AnyField } from './field.js';
import { defaultConfig, parseConfig } from './load.js';
import { schema } from './schema.js';

const root = new URL('../../', import.meta.url);

/** Every leaf path of the schema with its field. */
function leaves(field: AnyField, path: string): Array<[string, AnyField]> {
  if (field.children)
    return Object.entries(field.children).flatMap(([k, f]) => leaves(f, path === '' ? k : `${path}.${k}`));
  const item = field.item?.children ? leaves(field.item, `${path}[]`) : [];
  return [[path, field], ...item];
}

describe('generated docs are in sync', () => {
  test.each(GENERATED_DOCS.map((d) => [d.path, d.render] as const))('%s', (path, render) => {
    const expected = render();
    const file = new URL(path, root);
    // GATEHOUSE_WRITE_DOCS=1 regenerates without a build, like a snapshot update.
    if (process.env.GATEHOUSE_WRITE_DOCS === '1') writeFileSync(file, expected);
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // Missing: reported by the assertion below.
    }
    expect(current, `${path} is out of date: run \`${DOCS_COMMAND}\``).toBe(expected);
  });
});

describe('config docs', () => {
  const docs = renderConfigDocs();

  test('every key has a doc line and a row in the reference', () => {
    for (const [path, field] of leaves(schema, '')) {
      expect(field.doc, `${path} has no doc`).not.toBe('');
      expect(docs).toContain(`| \`${path}\` `);
    }
  });

  test('the example file, as written, loads as the defaults', () => {
    expect(parseConfig(renderExampleConfig(), 'gatehouse.example.yaml')).toEqual(defaultConfig());
  });

  test('the example file, every line uncommented, loads as the defaults', () => {
    const uncommented = renderExampleConfig().replace(/^# (?=\s*(#|\w+:))/gm, '');
    expect(uncommented).toContain('\n  workers: "auto"\n');
    expect(parseConfig(uncommented, 'uncommented.yaml')).toEqual(defaultConfig());
  });

  test('uncommenting one key and its section changes just that key', () => {
    const text = renderExampleConfig().replace(/^# (dns:| {2}blockTtl:.*)$/gm, '$1');
    expect(parseConfig(text, 'one.yaml').dns.blockTtl).toBe(10_000);
  });
});
