/**
 * The policy in the DNS workers is main's, not a copy: the compiled domain table is a
 * SharedArrayBuffer posted to every worker, so a byte main writes is what each worker reads, and a
 * swap moves every worker to the new snapshot's buffer. The pool runs here, in the test process;
 * its workers run the built JavaScript (Node 20 cannot load TypeScript in a worker thread).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startDnsWorkers } from '../../src/dns/workers/pool.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { DAY, makeOrder, withTargets } from '../helpers/orders.js';

describe('the policy in the workers is main’s, not a copy', () => {
  it('shares the domain table: a byte main writes is read by every worker', async () => {
    // The worker runs the built JavaScript (Node 20 cannot load TypeScript in a worker thread).
    const workerUrl = new URL('../../dist/src/dns/workers/worker.js', import.meta.url);
    const now = Date.now();
    let policy = compilePolicy(
      [withTargets(makeOrder(1, { notBefore: now - DAY, expiresAt: now + DAY }), ['shared.test'])],
      now,
    );
    const config = loadConfig({
      overrides: { dns: { listen: ['127.0.0.1:0'], upstreams: ['127.0.0.1:9'] } },
    });
    const quiet = { info() {}, warn() {}, error() {}, child: () => quiet };
    const pool = await startDnsWorkers({
      config,
      workers: 2,
      sockets: 'native',
      policy: () => policy,
      leases: null,
      record: () => undefined,
      metrics: createMetrics(),
      logger: quiet as never,
      workerUrl,
    });
    try {
      const bytes = new Uint8Array(policy.parts.domainBuffer);
      const at = bytes.length - 1;
      bytes[at] = 0xa5;
      for (const w of [0, 1]) expect(await pool.probe(w, at)).toMatchObject({ shared: true, byte: 0xa5 });
      bytes[at] = 0x5a;
      for (const w of [0, 1]) expect(await pool.probe(w, at)).toMatchObject({ byte: 0x5a });
      // A swap: the workers' views move to the new snapshot's buffer, again shared.
      policy = compilePolicy(
        [withTargets(makeOrder(2, { notBefore: now - DAY, expiresAt: now + DAY }), ['other.test'])],
        now + 1,
      );
      pool.setPolicy(policy);
      const next = new Uint8Array(policy.parts.domainBuffer);
      next[0] = 0x77;
      for (const w of [0, 1])
        expect(await pool.probe(w, 0)).toMatchObject({ shared: true, byte: 0x77, createdAt: now + 1 });
    } finally {
      await pool.close();
    }
  });
});
