import { describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../core/errors.js';
import { parseConfig } from '../load.js';

function issuesOf(yamlText: string): readonly string[] {
  try {
    parseConfig(yamlText, 'test.yaml');
  } catch (err) {
    if (isGatehouseError(err, 'GH_ERR_CONFIG_INVALID')) return err.details as readonly string[];
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('records.ipfix and records.dnstap', () => {
  it('are off, and leave addresses out, by default', () => {
    const c = parseConfig('', 'test.yaml').records;
    expect(c.ipfix).toEqual({
      transport: 'udp',
      includeAddress: false,
      templateRefresh: 60_000,
      observationDomain: 1,
    });
    expect(c.dnstap).toEqual({ includeAddress: false });
  });

  it.each([
    ['IPv4 collector', 'records: {ipfix: {collector: "192.0.2.1:4739"}}', '192.0.2.1:4739'],
    ['IPv6 collector', 'records: {ipfix: {collector: "[2001:db8::1]:4739"}}', '[2001:db8::1]:4739'],
    ['null is off', 'records: {ipfix: {collector: ~}}', undefined],
  ])('accept %s', (_name, text, collector) => {
    expect(parseConfig(text, 'test.yaml').records.ipfix.collector).toBe(collector);
  });

  it.each([
    ['a name', 'records: {ipfix: {collector: "nfcapd:4739"}}', /^records\.ipfix\.collector: /],
    ['port 0', 'records: {ipfix: {collector: "127.0.0.1:0"}}', /^records\.ipfix\.collector: expected a port/],
    ['no port', 'records: {dnstap: {tcp: "127.0.0.1"}}', /^records\.dnstap\.tcp: /],
    ['bad transport', 'records: {ipfix: {transport: sctp}}', /^records\.ipfix\.transport: /],
    [
      'both sockets',
      'records: {dnstap: {socket: /run/d.sock, tcp: "127.0.0.1:6000"}}',
      /^records\.dnstap\.tcp: set either/,
    ],
  ])('refuse %s', (_name, text, issue) => {
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(issue);
  });

  it('keeps a collector out of the listener clash check', () => {
    expect(() =>
      parseConfig('dns: {listen: ["127.0.0.1:6000"]}\nrecords: {ipfix: {collector: "127.0.0.1:6000"}}', 't'),
    ).not.toThrow();
  });
});
