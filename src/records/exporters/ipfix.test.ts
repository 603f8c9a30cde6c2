import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../types.js';
import { ExportQueue } from './exporter.js';
import { createIpfixExporter, UDP_MAX_MESSAGE } from './ipfix.js';
import { IE } from './ipfix-codec.js';
import { IpfixDecoder } from './ipfix-decode.js';

const flow = (port: number, over: Partial<FlowRecord> = {}): FlowRecord => ({
  start: 1_764_000_000_000,
  end: 1_764_000_001_000,
  clientAddress: '10.0.0.9',
  isp: 'isp-a',
  subscriber: 'p1-abc',
  listener: 'connect',
  destinationName: 'example.com',
  destinationAddress: '192.0.2.1',
  port,
  bytesUp: 10,
  bytesDown: 20,
  verdict: 'allow',
  orderId: 0,
  throttled: false,
  ech: false,
  ...over,
});

const until = async (test: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('IPFIX exporter over UDP', () => {
  it('sends templates first, re-sends them after templateRefresh (RFC 7011 §8.4), stays under the MTU', async () => {
    const collector = createSocket('udp4');
    const messages: Buffer[] = [];
    collector.on('message', (m) => messages.push(m));
    await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
    let now = 1_000_000;
    const ex = createIpfixExporter({
      collector: { host: '127.0.0.1', port: collector.address().port },
      transport: 'udp',
      includeAddress: false,
      templateRefreshMs: 60_000,
      now: () => now,
    });
    const dec = new IpfixDecoder();
    ex.flow?.(Array.from({ length: 100 }, (_, i) => flow(i + 1)));
    await until(() => ex.stats().exported === 100);
    now += 30_000;
    ex.flow?.([flow(1000)]);
    await until(() => ex.stats().exported === 101);
    now += 30_000;
    ex.flow?.([flow(2000)]);
    await until(() => ex.stats().exported === 102);
    await until(() => messages.length > 0 && dec.decode(messages.at(-1) as Buffer).records.length === 1);
    const decoded = new IpfixDecoder();
    const all = messages.map((m) => ({ size: m.length, d: decoded.decode(m) }));
    expect(all.every((m) => m.size <= UDP_MAX_MESSAGE)).toBe(true);
    expect(all[0]?.d.templateIds.length).toBe(3);
    const withTemplates = all.filter((m) => m.d.templateIds.length > 0).length;
    expect(withTemplates).toBe(2); // the first message, and again 60 s later
    const ports = all.flatMap((m) =>
      m.d.records.map((r) => r.fields.get(String(IE.destinationTransportPort))?.readUInt16BE(0)),
    );
    expect(ports).toHaveLength(102);
    expect(all.flatMap((m) => m.d.records).every((r) => !r.fields.has(String(IE.sourceIPv4Address)))).toBe(
      true,
    );
    await ex.close();
    collector.close();
  });
});

describe('IPFIX exporter over TCP', () => {
  it('drops while the collector is away; a new connection re-sends templates and restarts the sequence', async () => {
    const received: Buffer[][] = [];
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      const chunks: Buffer[] = [];
      received.push(chunks);
      sockets.push(s);
      s.on('data', (d) => chunks.push(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const ex = createIpfixExporter({
      collector: { host: '127.0.0.1', port },
      transport: 'tcp',
      includeAddress: true,
      templateRefreshMs: 3_600_000,
      minBackoffMs: 20,
    });
    await until(() => sockets.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    ex.flow?.([flow(1), flow(2)]);
    await until(() => ex.stats().exported === 2);
    sockets[0]?.destroy();
    await until(() => sockets.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    ex.flow?.([flow(3)]);
    await until(() => ex.stats().exported === 3);
    await until(() => (received[1]?.length ?? 0) > 0);
    const second = new IpfixDecoder().decode(Buffer.concat(received[1] as Buffer[]));
    expect(second.templateIds.length).toBe(9);
    expect(second.sequence).toBe(0);
    expect(second.records[0]?.fields.get(String(IE.sourceIPv4Address))).toEqual(Buffer.from([10, 0, 0, 9]));
    await ex.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('export queue', () => {
  it('drops whole batches past its bound and counts failed sends, never throwing', async () => {
    const dropped: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    const q = new ExportQueue<number>({
      maxRecords: 5,
      onDrop: (n) => dropped.push(n),
      send: async () => {
        calls++;
        await gate;
        if (calls === 2) throw new Error('collector gone');
      },
    });
    q.offer([1, 2, 3]);
    q.offer([4, 5]);
    q.offer([6]); // 3 + 2 + 1 > 5: dropped whole
    expect(dropped).toEqual([1]);
    release();
    await until(() => q.stats().queued === 0);
    expect(q.stats()).toEqual({ exported: 3, dropped: 3, errors: 1, queued: 0 });
    await q.close();
    q.offer([7]);
    expect(q.stats().dropped).toBe(4);
  });
});
