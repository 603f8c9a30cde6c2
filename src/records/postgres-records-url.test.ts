/** `records.store`: "local" or a PostgreSQL URL; anything else is refused with its path. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { postgresRecordsUrl } from './postgres-records.js';

describe('records.store', () => {
  it.each([
    ['the default', undefined, undefined],
    ['local', 'local', undefined],
    ['a postgres URL', 'postgres://gh@127.0.0.1:5432/records', 'postgres://gh@127.0.0.1:5432/records'],
    ['a postgresql URL', 'postgresql://gh@db/records', 'postgresql://gh@db/records'],
  ])('takes %s', (_name, store, url) => {
    const config = loadConfig({ overrides: store === undefined ? {} : { records: { store } } });
    expect(postgresRecordsUrl(config.records)).toBe(url);
  });

  it.each([['sqlite:records.db'], ['mysql://db/records'], ['postgres://'], ['']])('refuses "%s"', (store) => {
    expect(() => loadConfig({ overrides: { records: { store } } })).toThrow(
      expect.objectContaining({ code: 'GH_ERR_CONFIG_INVALID' }),
    );
  });
});
