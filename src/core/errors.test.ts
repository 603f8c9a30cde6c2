import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERRORS, type ErrorCode, GatehouseError, isGatehouseError } from './errors.js';
import { renderErrorDocs } from './errors-doc.js';

const codes = Object.keys(ERRORS) as ErrorCode[];

describe('the catalogue', () => {
  test.each(codes)('%s is well formed', (code) => {
    const spec = ERRORS[code];
    expect(code).toMatch(/^GH_ERR_[A-Z]+_[A-Z_]+$/);
    expect(Number.isInteger(spec.http) && spec.http >= 400 && spec.http <= 599).toBe(true);
    expect(spec.description).toMatch(/^[A-Z].*\.$/);
  });

  test('docs/errors.md is in sync (regenerate with `npm run docs`)', () => {
    const file = new URL('../../docs/errors.md', import.meta.url);
    expect(readFileSync(file, 'utf8'), 'docs/errors.md is out of date: run `npm run docs`').toBe(
      renderErrorDocs(),
    );
  });

  test('the docs list every code once', () => {
    const docs = renderErrorDocs();
    for (const code of codes) expect(docs.split(`| \`${code}\` `).length).toBe(2);
  });
});

describe('GatehouseError', () => {
  test('carries code, message, details and cause', () => {
    const cause = new Error('inner');
    const err = new GatehouseError('GH_ERR_CONFIG_INVALID', 'invalid configuration in x: 1 error', ['a: b'], {
      cause,
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('GatehouseError');
    expect([err.code, err.message, err.details, err.cause]).toEqual([
      'GH_ERR_CONFIG_INVALID',
      'invalid configuration in x: 1 error',
      ['a: b'],
      cause,
    ]);
  });

  test('details default to none', () => {
    expect(new GatehouseError('GH_ERR_CLI_USAGE', 'x').details).toEqual([]);
  });

  test.each<[unknown, ErrorCode | undefined, boolean]>([
    [new GatehouseError('GH_ERR_CLI_USAGE', 'x'), undefined, true],
    [new GatehouseError('GH_ERR_CLI_USAGE', 'x'), 'GH_ERR_CLI_USAGE', true],
    [new GatehouseError('GH_ERR_CLI_USAGE', 'x'), 'GH_ERR_CONFIG_READ', false],
    [Object.assign(new Error('x'), { code: 'GH_ERR_CLI_USAGE' }), undefined, false],
    [null, undefined, false],
  ])('isGatehouseError #%#', (err, code, expected) => {
    expect(isGatehouseError(err, code)).toBe(expected);
  });
});
