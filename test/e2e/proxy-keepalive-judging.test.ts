/**
 * Judging every request of a kept-alive client connection (src/proxy/judgement-memo.ts reuses a
 * judgement only while it is provably the same): a URL order in force, a new snapshot swapped in
 * between two requests, a new host on the same connection. One raw client connection per test,
 * requests written one at a time through the explicit proxy.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BASE_ORDERS, type Bed, order, startBed } from './proxy-harness.js';

/** A client connection that sends one request at a time and reads its whole response. */
class Client {
  readonly #socket: net.Socket;
  #buffered = Buffer.alloc(0);
  #waiting: (() => void) | null = null;
  closed = false;

  constructor(port: number) {
    this.#socket = net.connect(port, '127.0.0.1');
    this.#socket.on('error', () => {});
    this.#socket.on('data', (c: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, c]);
      this.#waiting?.();
    });
    this.#socket.on('close', () => {
      this.closed = true;
      this.#waiting?.();
    });
  }

  /** GET `url` (absolute form); the status of the response, or 0 when the connection closed first. */
  async get(url: string): Promise<number> {
    const host = new URL(url).host;
    this.#socket.write(`GET ${url} HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
    for (;;) {
      const text = this.#buffered.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (this.#buffered.length >= end + 4 + length) {
          this.#buffered = this.#buffered.subarray(end + 4 + length);
          return Number(text.slice(9, 12));
        }
      }
      if (this.closed) return 0;
      await new Promise<void>((r) => {
        this.#waiting = r;
      });
      this.#waiting = null;
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

describe('judging each request on a kept-alive connection', () => {
  let bed: Bed;
  beforeAll(async () => {
    bed = await startBed();
  });
  afterAll(async () => {
    await bed.close();
  });

  const at = (host: string, path: string) => `http://${host}:${bed.ports.http}${path}`;

  test.each([
    {
      name: 'a URL order for the host',
      first: 'allowed.test',
      host: 'allowed.test',
      path: '/forbidden/x',
      want: 451,
    },
    {
      name: 'another path of the host',
      first: 'allowed.test',
      host: 'allowed.test',
      path: '/bytes/3',
      want: 200,
    },
    {
      name: 'another path, no URL rules',
      first: 'plain.test',
      host: 'plain.test',
      path: '/bytes/3',
      want: 200,
    },
    { name: 'another host, blocked', first: 'plain.test', host: 'blocked.test', path: '/bytes/3', want: 451 },
    {
      name: 'another host, its address blocked',
      first: 'plain.test',
      host: 'addr-blocked.test',
      path: '/',
      want: 451,
    },
  ])('the same snapshot: $name', async ({ first, host, path, want }) => {
    const client = new Client(bed.ports.explicit);
    try {
      expect(await client.get(at(first, '/bytes/1'))).toBe(200);
      expect(await client.get(at(first, '/bytes/2'))).toBe(200);
      expect(await client.get(at(host, path))).toBe(want);
    } finally {
      client.close();
    }
  });

  test.each([
    { name: 'a URL order for the host', targets: ['http://plain.test/bytes/4'], want: 451 },
    { name: 'a block order for the host', targets: ['plain.test'], want: 0 },
    { name: 'a block order for its address', targets: ['127.0.0.1'], want: 0 },
    { name: 'an order for another host', targets: ['other.test'], want: 200 },
  ])('a new snapshot between two requests: $name', async ({ targets, want }) => {
    const client = new Client(bed.ports.explicit);
    const before = bed.policy;
    try {
      // plain.test has no URL rule before the swap, so its judgement is memoised; '/bytes/1' is not under the new URL order: the live connection is not ended for it.
      expect(await client.get(at('plain.test', '/bytes/1'))).toBe(200);
      expect(await client.get(at('plain.test', '/bytes/2'))).toBe(200);
      bed.proxy.onPolicy(bed.setOrders([...BASE_ORDERS, order(9, targets)]));
      // 0: a block on the host or address ends the connection itself (LiveTable.reevaluate).
      expect(await client.get(at('plain.test', '/bytes/4'))).toBe(want);
    } finally {
      client.close();
      bed.policy = before;
      bed.proxy.onPolicy(before);
    }
  });

  test.each([
    { name: 'a block order for the host', targets: ['plain.test'] },
    { name: 'a URL order for the path', targets: ['http://plain.test/bytes/5'] },
    { name: 'a block order for its address', targets: ['127.0.0.1'] },
  ])('judgements shared by new connections never outlive their snapshot: $name', async ({ targets }) => {
    const before = bed.policy;
    try {
      // Judged and kept (no URL rule names plain.test): a new connection may reuse it...
      for (let i = 0; i < 2; i++) {
        const c = new Client(bed.ports.explicit);
        expect(await c.get(at('plain.test', '/bytes/5'))).toBe(200);
        c.close();
      }
      // ...until a new snapshot arrives: the next connection is judged under it, at once.
      bed.proxy.onPolicy(bed.setOrders([...BASE_ORDERS, order(9, targets)]));
      const c = new Client(bed.ports.explicit);
      expect(await c.get(at('plain.test', '/bytes/5'))).toBe(451);
      c.close();
    } finally {
      bed.policy = before;
      bed.proxy.onPolicy(before);
    }
  });
});
