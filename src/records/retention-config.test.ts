import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../config/load.js';
import { isGatehouseError } from '../core/errors.js';

const DAY = 86_400_000;

/** The code and issues a YAML text is refused with, or null when it loads. */
function refusal(yaml: string): { code: string; issues: readonly string[] } | null {
  try {
    parseConfig(yaml, 'test.yaml');
    return null;
  } catch (err) {
    if (isGatehouseError(err, 'GH_ERR_CONFIG_INVALID')) return { code: err.code, issues: err.details };
    throw err;
  }
}

describe('records.retention configuration', () => {
  it('defaults to 7 days per kind and an hourly job', () => {
    const r = defaultConfig().records.retention;
    expect(r).toEqual({ dns: 7 * DAY, flow: 7 * DAY, lease: 7 * DAY, interval: 3_600_000, batchSize: 5000 });
  });

  it.each(['dns', 'flow', 'lease'])('accepts 365 days for %s', (kind) => {
    const c = parseConfig(`records: {retention: {${kind}: 365d}}`, 'test.yaml');
    expect(c.records.retention[kind as 'dns']).toBe(365 * DAY);
  });

  it.each([
    ['dns', 'dns: 366d', 'records.retention.dns: expected 1h..365d, got 366d'],
    ['flow', 'flow: 1000d', 'records.retention.flow: expected 1h..365d, got 1000d'],
    ['lease', 'lease: 366d', 'records.retention.lease: expected 1h..365d, got 366d'],
    ['too short', 'dns: 10m', 'records.retention.dns: expected 1h..365d, got 10m'],
    ['interval', 'interval: 2d', 'records.retention.interval: expected 1s..1d, got 2d'],
  ])('refuses %s with the path of the key', (_name, yaml, issue) => {
    const r = refusal(`records: {retention: {${yaml}}}`);
    expect(r?.code).toBe('GH_ERR_CONFIG_INVALID');
    expect(r?.issues).toEqual([issue]);
  });

  it('reports every bad kind at once', () => {
    expect(refusal('records: {retention: {dns: 366d, flow: 400d}}')?.issues).toHaveLength(2);
  });
});
