import { describe, expect, it } from 'vitest';
import { canonicalConfig, configLoadAct } from './config-act.js';

describe('config.load audit act', () => {
  it('gives the same digest for the same settings in any key order', () => {
    const a = configLoadAct({ dns: { port: 53, host: 'x' }, http: { port: 80 } }, 'n1');
    const b = configLoadAct({ http: { port: 80 }, dns: { host: 'x', port: 53 } }, 'n1');
    expect(a.details).toEqual(b.details);
    expect(a).toMatchObject({ actor: 'system', action: 'config.load', object: 'node/n1' });
  });

  it('changes the digest when a setting changes', () => {
    const a = configLoadAct({ dns: { port: 53 } }, 'n1');
    const b = configLoadAct({ dns: { port: 54 } }, 'n1');
    expect(a.details).not.toEqual(b.details);
  });

  it('never hashes or shows a secret', () => {
    const text = canonicalConfig({ radius: { clients: [{ isp: 'a', secret: 's3cr3t' }] }, apiKey: 'k-123' });
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('k-123');
    expect(text).toContain('"isp":"a"');
    expect(configLoadAct({ secret: 'one' }).details).toEqual(configLoadAct({ secret: 'two' }).details);
  });
});
