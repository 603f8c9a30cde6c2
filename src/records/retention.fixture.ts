/** Test fixtures for retention and aggregates: a records database in a temporary directory, and records. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../core/decision.js';
import { openRecordsDb, type RecordsDb } from './retention-db.js';
import { createSqliteSink, type SqliteSink } from './sinks/sqlite.js';
import type { DnsQueryRecord, FlowListener, FlowRecord } from './types.js';

/** A records database opened twice, as in the gateway: the sink writes, the retention job's connection reads and deletes. */
export interface RecordsHome {
  readonly dir: string;
  readonly keyDir: string;
  readonly db: RecordsDb;
  readonly sink: SqliteSink;
  cleanup(): void;
}

/** Creates a temporary records database. */
export function createRecordsHome(): RecordsHome {
  const dir = mkdtempSync(join(tmpdir(), 'gh-retention-'));
  const path = join(dir, 'records.db');
  const sink = createSqliteSink({ path });
  const db = openRecordsDb(path);
  return {
    dir,
    keyDir: join(dir, 'keys', 'pseudonym'),
    db,
    sink,
    cleanup() {
      db.close();
      sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A DNS query record at `time` with the given dimensions. */
export function dnsAt(
  time: number,
  o: { isp?: string; verdict?: Action; orderId?: number; subscriber?: string } = {},
): DnsQueryRecord {
  return {
    time,
    clientAddress: '100.64.0.1',
    clientPort: 40000,
    transport: 'udp',
    isp: o.isp ?? 'isp-a',
    subscriber: o.subscriber ?? 'p0-aaaaaaaaaaaaaaaaaaaa',
    qname: 'secret-name.example',
    qtype: 1,
    rcode: 0,
    verdict: o.verdict ?? 'none',
    orderId: o.orderId ?? 0,
    ruleId: -1,
    cacheHit: false,
    upstream: null,
    latencyUs: 100,
    ede: null,
  };
}

/** A flow record starting at `start` with the given dimensions. */
export function flowAt(
  start: number,
  o: {
    isp?: string;
    listener?: FlowListener;
    to?: string | null;
    verdict?: Action;
    orderId?: number;
    throttled?: boolean;
    up?: number;
    down?: number;
  } = {},
): FlowRecord {
  return {
    start,
    end: start + 1000,
    clientAddress: '100.64.0.1',
    isp: o.isp ?? 'isp-a',
    subscriber: 'p0-aaaaaaaaaaaaaaaaaaaa',
    listener: o.listener ?? 'tls-sni',
    destinationName: 'secret-site.example',
    destinationAddress: o.to === undefined ? '203.0.113.5' : o.to,
    port: 443,
    bytesUp: o.up ?? 100,
    bytesDown: o.down ?? 1000,
    verdict: o.verdict ?? 'none',
    orderId: o.orderId ?? 0,
    throttled: o.throttled ?? false,
    ech: false,
  };
}

/** Domestic: 198.51.100.0/24 (a test classifier standing in for `proxy.domesticPrefixes`). */
export const classify = (address: string): 'domestic' | 'international' =>
  address.startsWith('198.51.100.') ? 'domestic' : 'international';
