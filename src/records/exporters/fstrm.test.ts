import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DnsQueryRecord } from '../types.js';
import { createDnstapExporter } from './dnstap.js';
import { CONTROL, controlFrame, DNSTAP_CONTENT_TYPE, dataFrames, type Frame, readFrames } from './fstrm.js';
import { readFields } from './protobuf.js';

describe('Frame Streams framing', () => {
  it('round-trips control and data frames, and waits for incomplete ones', () => {
    const stream = Buffer.concat([
      controlFrame(CONTROL.START, [DNSTAP_CONTENT_TYPE]),
      dataFrames([Buffer.from('one'), Buffer.from('three')]),
      controlFrame(CONTROL.STOP),
    ]);
    const { frames, used } = readFrames(stream);
    expect(used).toBe(stream.length);
    expect(frames).toEqual([
      { kind: 'control', type: CONTROL.START, contentTypes: [DNSTAP_CONTENT_TYPE] },
      { kind: 'data', payload: Buffer.from('one') },
      { kind: 'data', payload: Buffer.from('three') },
      { kind: 'control', type: CONTROL.STOP, contentTypes: [] },
    ]);
    for (let cut = 0; cut < stream.length; cut++) {
      const partial = readFrames(stream.subarray(0, cut));
      expect(partial.used).toBeLessThanOrEqual(cut);
    }
  });

  it.each([
    ['a control frame longer than 512 bytes', [0, 0, 0, 0, 0, 0, 4, 0]],
    ['a control frame shorter than its type', [0, 0, 0, 0, 0, 0, 0, 2]],
  ])('refuses %s', (_name, bytes) => {
    expect(() => readFrames(Buffer.from(bytes))).toThrow(RangeError);
  });
});

/** A minimal bidirectional Frame Streams reader, like fstrm_capture. */
function fakeReader(path: string, accept: string[] = [DNSTAP_CONTENT_TYPE]) {
  const frames: Frame[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    let pending = Buffer.alloc(0);
    s.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      const { frames: got, used } = readFrames(pending);
      pending = pending.subarray(used);
      for (const f of got) {
        frames.push(f);
        if (f.kind === 'control' && f.type === CONTROL.READY) s.write(controlFrame(CONTROL.ACCEPT, accept));
        if (f.kind === 'control' && f.type === CONTROL.STOP) s.end(controlFrame(CONTROL.FINISH));
      }
    });
    s.on('close', () => sockets.delete(s));
  });
  return {
    frames,
    listen: () => new Promise<void>((resolve) => server.listen(path, resolve)),
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const record = (qname: string): DnsQueryRecord => ({
  time: 1_764_000_000_000,
  clientAddress: '10.0.0.1',
  clientPort: 1000,
  transport: 'tcp',
  isp: 'isp-a',
  subscriber: 'p1-abc',
  qname,
  qtype: 1,
  rcode: 0,
  verdict: 'allow',
  orderId: 0,
  ruleId: -1,
  cacheHit: true,
  upstream: null,
  latencyUs: 10,
  ede: null,
});

const until = async (test: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('dnstap exporter over a Unix socket', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('handshakes READY/ACCEPT/START, sends data frames, ends with STOP/FINISH', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-fstrm-'));
    const reader = fakeReader(join(dir, 's'));
    await reader.listen();
    const ups: boolean[] = [];
    const ex = createDnstapExporter({
      target: { path: join(dir, 's') },
      identity: 'n1',
      version: 'gatehouse',
      includeAddress: false,
      onState: (up) => ups.push(up),
    });
    await until(() => ups.includes(true));
    ex.dns?.([record('a.example'), record('b.example')]);
    await until(() => reader.frames.filter((f) => f.kind === 'data').length === 2);
    await ex.close();
    await until(() => reader.frames.some((f) => f.kind === 'control' && f.type === CONTROL.STOP));
    const types = reader.frames.map((f) => (f.kind === 'control' ? f.type : 'data'));
    expect(types).toEqual([CONTROL.READY, CONTROL.START, 'data', 'data', CONTROL.STOP]);
    const first = reader.frames[2] as Extract<Frame, { kind: 'data' }>;
    expect(
      readFields(first.payload)
        .find((f) => f.field === 1)
        ?.value.toString(),
    ).toBe('n1');
    expect(ex.stats()).toMatchObject({ exported: 2, dropped: 0 });
    await reader.close();
  });

  it('drops and counts while the collector is away, then reconnects with backoff', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-fstrm-'));
    const path = join(dir, 's');
    let dropped = 0;
    const ups: boolean[] = [];
    const ex = createDnstapExporter({
      target: { path },
      identity: 'n1',
      version: 'gatehouse',
      includeAddress: false,
      minBackoffMs: 20,
      maxBackoffMs: 50,
      onDrop: (n) => {
        dropped += n;
      },
      onState: (up) => ups.push(up),
    });
    ex.dns?.([record('lost.example')]);
    await until(() => dropped === 1);
    const reader = fakeReader(path);
    await reader.listen();
    await until(() => ups.includes(true));
    reader.dropAll(); // the collector restarts
    await until(() => ups.filter((u) => u).length === 2);
    ex.dns?.([record('kept.example')]);
    await until(() => reader.frames.some((f) => f.kind === 'data'));
    expect(reader.frames.filter((f) => f.kind === 'control' && f.type === CONTROL.READY)).toHaveLength(2);
    expect(ex.stats()).toMatchObject({ exported: 1, dropped: 1, errors: 1 });
    await ex.close();
    await reader.close();
  });

  it('refuses a reader that does not accept dnstap', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-fstrm-'));
    const reader = fakeReader(join(dir, 's'), ['protobuf:other.Thing']);
    await reader.listen();
    const errors: string[] = [];
    const ex = createDnstapExporter({
      target: { path: join(dir, 's') },
      identity: 'n1',
      version: 'gatehouse',
      includeAddress: false,
      minBackoffMs: 1000,
      onState: (_up, e) => errors.push(String(e)),
    });
    await until(() => reader.frames.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    ex.dns?.([record('a.example')]);
    await until(() => ex.stats().dropped === 1);
    expect(reader.frames.some((f) => f.kind === 'control' && f.type === CONTROL.START)).toBe(false);
    await ex.close();
    await reader.close();
  });
});
