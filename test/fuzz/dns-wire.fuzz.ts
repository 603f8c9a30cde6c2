/**
 * Mutation fuzzer for the DNS wire layer. Mutates real queries and responses (bit flips,
 * byte sets, inserts, deletes, truncations, count and pointer tampering) and drives every
 * entry point a hostile packet can reach. A "crash" is an exception or a broken invariant.
 *
 * Standalone (≥ 1,000,000 mutations):
 *   npx rolldown test/fuzz/dns-wire.fuzz.ts -p node -f esm -o /tmp/dns-wire.fuzz.mjs && node /tmp/dns-wire.fuzz.mjs 1000000 [seed]
 */
import { pathToFileURL } from 'node:url';
import { cacheableTtl, createCache } from '../../src/dns/cache.js';
import {
  buildAnswer,
  buildBlockResponse,
  buildErrorResponse,
  buildMinimalAny,
  findOpt,
  inspectAnswers,
  parseQuery,
  queryName,
  readName,
  rewriteUpstreamResponse,
} from '../../src/dns/wire/index.js';
import { buildQueryCorpus, buildResponseCorpus, loadNames, rng } from './dns-corpus.js';

/** The outcome of a run. */
export interface FuzzReport {
  count: number;
  crashes: number;
  /** Outcome label → count (parse reasons, `ok`, `drop:*`). */
  outcomes: Record<string, number>;
  /** The first few crashing inputs, hex, with the error. */
  samples: Array<{ input: string; error: string }>;
}

const SOA = {
  mname: 'ns.gatehouse.example',
  rname: 'hostmaster.gatehouse.example',
  serial: 1,
  negativeTtl: 30,
};

/** Applies 1–4 random mutations to a copy of `seed`. */
export function mutate(seed: Uint8Array, r: () => number): Buffer {
  let buf = Buffer.from(seed);
  const rounds = 1 + Math.floor(r() * 4);
  for (let k = 0; k < rounds; k++) {
    const at = Math.floor(r() * Math.max(1, buf.length));
    const byte = Math.floor(r() * 256);
    switch (Math.floor(r() * 9)) {
      case 0:
        buf[at] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        buf[at] = byte;
        break;
      case 2:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([byte]), buf.subarray(at)]);
        break;
      case 3:
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + Math.floor(r() * 4))]);
        break;
      case 4:
        buf = buf.subarray(0, at);
        break;
      // Header counts (QD/AN/NS/AR at 4..11): small changes hit the section walkers.
      case 5:
        if (buf.length >= 12) buf[5 + 2 * Math.floor(r() * 4)] = Math.floor(r() * 4);
        break;
      // A compression pointer somewhere: loops, forward and out-of-range pointers.
      case 6:
        if (buf.length > at + 1) buf.writeUInt16BE(0xc000 | Math.floor(r() * (buf.length + 8)), at);
        break;
      case 7:
        buf = Buffer.concat([
          buf,
          Buffer.from(Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256))),
        ]);
        break;
      default:
        if (buf.length >= 4) buf[2] &= 0x7f; // keep QR clear so more inputs reach the parser
    }
  }
  return buf;
}

function driveQuery(buf: Buffer, outcomes: Record<string, number>): void {
  const r = parseQuery(buf, buf.length, { sdeOptionCode: 65001 });
  const label = r.ok ? 'ok' : r.drop ? `drop:${r.reason}` : r.reason;
  outcomes[label] = (outcomes[label] ?? 0) + 1;
  if (!r.ok) {
    if (!r.drop && parseQuery(buildErrorResponse(r, r.rcode)).ok)
      throw new Error('error response parsed as a query');
    return;
  }
  if (r.questionEnd > r.len || r.qnameEnd !== r.questionEnd - 4)
    throw new Error('question offsets out of range');
  const name = queryName(r);
  if (name.length === 0 || name !== readName(buf, 12, r.len))
    throw new Error('queryName disagrees with readName');
  const ede = { infoCode: 16, extraText: '{"j":"order 17","l":"en"}' };
  buildErrorResponse(r, 2);
  buildBlockResponse(r, {
    answer: (['nxdomain', 'nodata', 'refused'] as const)[buf.length % 3],
    soa: SOA,
    ede,
  });
  buildAnswer(r, [
    { type: 'CNAME', ttl: 1, target: 'safe.example' },
    { type: 'A', ttl: 1, address: '192.0.2.1' },
  ]);
  buildMinimalAny(r);
}

const cache = createCache({ maxBytes: 1 << 16, now: () => 0 });

const ODD_LENGTHS = [Number.NaN, -1, 1.5, 1e9, Number.POSITIVE_INFINITY];

function driveResponse(buf: Buffer): void {
  // Every offset as a name start: pointer chains from anywhere must end.
  for (let off = 12; off < buf.length; off += 7) readName(buf, off, buf.length);
  parseQuery(buf, ODD_LENGTHS[buf.length % ODD_LENGTHS.length]);
  inspectAnswers(buf, buf.length, { cname: () => true, a: () => true, aaaa: () => true });
  findOpt(buf, buf.length);
  cacheableTtl(buf, buf.length);
  if (cache.set('k', buf)) cache.get('k', { id: 1, stale: true });
  const copy = Buffer.from(buf);
  const n = rewriteUpstreamResponse(copy, copy.length, {
    id: 7,
    stripEcs: true,
    udpSize: 1232,
    age: 5,
    udpLimit: 512,
  });
  if (n > copy.length) throw new Error('rewrite grew the message');
}

/** Runs `count` mutations, alternating query and response seeds. */
export function runFuzz(count: number, seed = 1, names = loadNames(20_000)): FuzzReport {
  const queries = buildQueryCorpus(names, seed);
  const responses = buildResponseCorpus(names.slice(0, 5000), seed + 1);
  const r = rng(seed);
  const report: FuzzReport = { count: 0, crashes: 0, outcomes: {}, samples: [] };
  for (let i = 0; i < count; i++) {
    const isQuery = (i & 3) !== 3;
    const pool = isQuery ? queries : responses;
    const input = mutate(pool[Math.floor(r() * pool.length)], r);
    try {
      if (isQuery) driveQuery(input, report.outcomes);
      else driveResponse(input);
    } catch (err) {
      report.crashes++;
      if (report.samples.length < 5)
        report.samples.push({ input: input.toString('hex'), error: String(err) });
    }
    report.count++;
  }
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? Date.now() % 100_000);
  const started = performance.now();
  const report = runFuzz(count, seed);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify(
      {
        seed,
        mutations: report.count,
        crashes: report.crashes,
        seconds: Number(seconds.toFixed(1)),
        outcomes: report.outcomes,
      },
      null,
      1,
    ),
  );
  for (const s of report.samples) console.log('crash', s.error, s.input);
  process.exitCode = report.crashes === 0 ? 0 : 1;
}
