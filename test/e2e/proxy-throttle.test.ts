/**
 * Throttle orders at their rate, fair across a subscriber's connections; orders that arrive
 * while a download runs (onPolicy) and ending connections by order (end).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BASE_ORDERS, type Bed, curl, order, startBed, until } from './proxy-harness.js';

const RATE = 200 * 1024;
let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ idleTimeoutMs: 5000 });
});
afterAll(async () => {
  await bed?.close();
});

const proxyUrl = () => `http://127.0.0.1:${bed.ports.explicit}`;
const url = (host: string, path: string) => `http://${host}:${bed.ports.http}${path}`;

/** Bytes per second curl measured, from `-w` of `%{size_download} %{time_total}`. */
async function measure(args: string[]): Promise<{ rate: number; seconds: number; bytes: number }> {
  const r = await curl('-o', '/dev/null', '-w', '%{size_download} %{size_upload} %{time_total}', ...args);
  const [down, up, seconds] = r.stdout.toString().split(' ').map(Number);
  const bytes = Math.max(down, up);
  return { rate: bytes / seconds, seconds, bytes };
}

describe('throttle orders', () => {
  test('a download runs at the ordered rate (±10%)', async () => {
    const m = await measure(['-x', proxyUrl(), url('throttled.test', `/bytes/${3 * RATE}`)]);
    console.info(
      `throttle down: ${(m.rate / 1024).toFixed(1)} KiB/s over ${m.seconds.toFixed(2)} s (ordered 200)`,
    );
    expect(Math.abs(m.rate - RATE) / RATE).toBeLessThan(0.1);
    await until(() => bed.records.some((r) => r.destinationName === 'throttled.test' && r.throttled));
    expect(bed.records.find((r) => r.destinationName === 'throttled.test')).toMatchObject({
      verdict: 'throttle',
      orderId: 3,
      throttled: true,
    });
  });

  test('an upload runs at the ordered rate (±10%), through 100-continue', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-upload-'));
    const file = join(dir, 'body');
    await writeFile(file, Buffer.alloc(2 * RATE, 3));
    try {
      const m = await measure([
        '-x',
        proxyUrl(),
        '--data-binary',
        `@${file}`,
        url('throttled.test', '/upload'),
      ]);
      console.info(
        `throttle up: ${(m.rate / 1024).toFixed(1)} KiB/s over ${m.seconds.toFixed(2)} s (ordered 200)`,
      );
      expect(m.bytes).toBe(2 * RATE);
      expect(Math.abs(m.rate - RATE) / RATE).toBeLessThan(0.1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('two connections of one subscriber share the rate evenly', async () => {
    const each = (3 * RATE) / 2;
    const args = ['-x', proxyUrl(), url('throttled.test', `/bytes/${each}`)];
    const [a, b] = await Promise.all([measure(args), measure(args)]);
    const aggregate = (a.bytes + b.bytes) / Math.max(a.seconds, b.seconds);
    console.info(
      `throttle shared: ${(aggregate / 1024).toFixed(1)} KiB/s total; ${(a.rate / 1024).toFixed(1)} and ${(b.rate / 1024).toFixed(1)} KiB/s each`,
    );
    expect(Math.abs(aggregate - RATE) / RATE).toBeLessThan(0.1);
    expect(Math.abs(a.seconds - b.seconds) / Math.max(a.seconds, b.seconds)).toBeLessThan(0.1);
  });
});

/** Starts curl on a stream that never ends; resolves with its exit time when it does. */
function background(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['-sS', '--noproxy', '', '--max-time', '15', '-o', '/dev/null', ...args]);
    child.on('exit', () => resolve(Date.now()));
  });
}

describe('live connections', () => {
  test.each([
    {
      listener: 'explicit HTTP',
      name: 'late.test',
      args: () => ['-x', proxyUrl(), url('late.test', '/stream')],
    },
    {
      listener: 'transparent TLS',
      name: 'late-tls.test',
      args: () => {
        const port = bed.ports['transparent-tls'];
        return ['-k', '--resolve', `late-tls.test:${port}:127.0.0.1`, `https://late-tls.test:${port}/stream`];
      },
    },
  ])('an order activated mid-download ends the $listener connection within 1 s', async ({ name, args }) => {
    bed.setOrders(BASE_ORDERS);
    bed.proxy.onPolicy(bed.policy);
    const exited = background(args());
    await until(() =>
      bed.proxy.connections().some((c) => c.destinationName === name && c.bytesDown > 100_000),
    );
    const start = Date.now();
    bed.proxy.onPolicy(bed.setOrders([...BASE_ORDERS, order(5, [name])]));
    const took = (await exited) - start;
    console.info(`${name}: ended ${took} ms after onPolicy`);
    expect(took).toBeLessThan(1000);
    await until(() => bed.records.some((r) => r.destinationName === name));
    expect(bed.records.find((r) => r.destinationName === name)).toMatchObject({
      verdict: 'block',
      orderId: 5,
    });
    bed.proxy.onPolicy(bed.setOrders(BASE_ORDERS));
  });

  test('end({orderId}) ends the connections citing that order, and only those', async () => {
    const exited = background(['-x', proxyUrl(), url('throttled.test', '/big')]);
    await until(() => bed.proxy.connections().some((c) => c.throttled && c.bytesDown > 0));
    expect(bed.proxy.connections().find((c) => c.throttled)).toMatchObject({
      verdict: 'throttle',
      orderId: 3,
      destinationName: 'throttled.test',
    });
    expect(bed.proxy.end({ orderId: 999 })).toBe(0);
    const start = Date.now();
    expect(bed.proxy.end({ orderId: 3 })).toBe(1);
    expect((await exited) - start).toBeLessThan(1000);
  });

  test('a throttle order activated mid-download slows it down', async () => {
    const exited = background(['-x', proxyUrl(), url('allowed.test', '/stream')]);
    await until(() =>
      bed.proxy.connections().some((c) => c.destinationName === 'allowed.test' && c.bytesDown > 0),
    );
    bed.proxy.onPolicy(
      bed.setOrders([
        ...BASE_ORDERS,
        order(6, ['allowed.test'], { action: { kind: 'throttle', bytesPerSecond: 50_000 } }),
      ]),
    );
    const live = () => bed.proxy.connections().find((c) => c.destinationName === 'allowed.test');
    expect(live()).toMatchObject({ verdict: 'throttle', orderId: 6, throttled: true });
    const before = live()?.bytesDown ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    const rate = (live()?.bytesDown ?? 0) - before;
    // The origin sends 640 KB/s; the order allows 50 KB/s (a tenth of a second of burst on top).
    expect(rate).toBeLessThan(50_000 * 1.25);
    expect(bed.proxy.end({ orderId: 6 })).toBe(1);
    await exited;
    bed.proxy.onPolicy(bed.setOrders(BASE_ORDERS));
  });
});
