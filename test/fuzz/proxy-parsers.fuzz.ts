/**
 * Mutation fuzzer for the proxy's hot-path parsers: the ClientHello reader and the HTTP/1.1
 * request head reader. Mutates real hellos (openssl s_client, Node tls.connect) and request
 * heads with bit flips, byte sets, inserts, deletes, truncations, length-field tampering,
 * splices and (for hellos) mutation of the handshake re-framed into valid records, so mutations
 * reach the extension parsers. A "crash" is an exception or a broken invariant:
 * - the result is one of the declared states, with a declared reason and status;
 * - feeding the same bytes in random chunks gives the same result as one chunk;
 * - a parsed hello's SNI is a valid lowercase name; a parsed head formats to a head that parses
 *   back to the same request.
 *
 * Standalone (≥ 1,000,000 mutations per parser):
 *   npx rolldown test/fuzz/proxy-parsers.fuzz.ts -p node -f esm -o /tmp/proxy-parsers.fuzz.mjs && node /tmp/proxy-parsers.fuzz.mjs 1000000 [seed]
 */
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { seededRandom } from '../../bench/seeded-names.js';
import {
  formatOriginHead,
  HEAD_FAILURES,
  type HttpHeadResult,
  RequestHeadReader,
} from '../../src/proxy/http-head.js';
import { ClientHelloReader, type ClientHelloResult, HELLO_FAILURES } from '../../src/proxy/sni.js';
import {
  buildClientHello,
  captureNodeHello,
  captureOpensslHello,
  frameRecords,
  handshakeOf,
  REQUEST_HEADS,
} from './proxy-corpus.js';

/** The outcome of a run over one parser. */
export interface FuzzReport {
  count: number;
  crashes: number;
  /** Outcome label → count (`done`, `need-more`, or the refusal reason). */
  outcomes: Record<string, number>;
  /** The first few crashing inputs, hex, with the error. */
  samples: Array<{ input: string; error: string }>;
}

/** Deterministic PRNG (mulberry32, shared with the benchmarks) so a fuzz run can be replayed from its seed. */
export const rng = seededRandom;

/** Real hellos from both clients plus constructed ones (ECH, split records, odd names). */
export async function helloCorpus(): Promise<Buffer[]> {
  return [
    await captureOpensslHello(['-servername', 'www.example.com', '-alpn', 'h2,http/1.1']),
    await captureOpensslHello(['-servername', 'tls12.example', '-tls1_2']),
    await captureOpensslHello(['-noservername']),
    await captureNodeHello({ servername: 'Example.COM', ALPNProtocols: ['h2', 'http/1.1'] }),
    await captureNodeHello({ servername: 'old.example.org', maxVersion: 'TLSv1.2' }),
    buildClientHello({ sni: 'public.example', alpn: ['h2'], versions: [0x0a0a, 0x0304], ech: 'outer' }),
    buildClientHello({ sni: '192.0.2.1', ech: 'inner' }),
    frameRecords(handshakeOf(buildClientHello({ sni: 'split.example', alpn: ['http/1.1'] })), [7, 60]),
  ];
}

const INTERESTING = [0, 1, 2, 3, 0x0a, 0x0d, 0x16, 0x20, 0x2e, 0x3a, 0x7f, 0x80, 0xfe, 0xff];
const TOKENS = [
  '\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  '\r\n ',
  '[',
  ']',
  '%',
  '@',
  '#',
  '?',
  '*',
  ',',
  'Host: x.example\r\n',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close, host\r\n',
  'CONNECT a.example:443 ',
  '\r\n\r\n',
].map((t) => Buffer.from(t, 'latin1'));

/** One to four stacked byte-level mutations of `input`. */
export function mutate(r: () => number, input: Buffer, corpus: readonly Buffer[], tokens = false): Buffer {
  let b = Buffer.from(input);
  const at = (n: number) => Math.floor(r() * (n + 1));
  for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
    const op = Math.floor(r() * (tokens ? 9 : 8));
    const i = at(b.length - 1);
    if (op === 0 && b.length > 0) b[i] ^= 1 << Math.floor(r() * 8);
    else if (op === 1 && b.length > 0) b[i] = INTERESTING[Math.floor(r() * INTERESTING.length)];
    else if (op === 2)
      b = Buffer.concat([b.subarray(0, i), Buffer.from([Math.floor(r() * 256)]), b.subarray(i)]);
    else if (op === 3) b = Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + at(16)))]);
    else if (op === 4) b = b.subarray(0, at(b.length));
    else if (op === 5 && b.length > 1) {
      // A 16-bit length field set to an edge value: every TLS vector length is one.
      const v = [
        0,
        1,
        2,
        0xff,
        0x100,
        0x3fff,
        0x4000,
        0x4001,
        0xffff,
        b.readUInt16BE(Math.min(i, b.length - 2)) + 1,
      ][at(9)];
      b.writeUInt16BE(v & 0xffff, Math.min(i, b.length - 2));
    } else if (op === 6) b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + at(32)), b.subarray(i)]);
    else if (op === 7) {
      const other = corpus[Math.floor(r() * corpus.length)];
      b = Buffer.concat([b.subarray(0, i), other.subarray(at(other.length))]);
    } else if (op === 8)
      b = Buffer.concat([b.subarray(0, i), TOKENS[Math.floor(r() * TOKENS.length)], b.subarray(i)]);
  }
  return b;
}

/** Random cut points, so the reader sees the bytes in chunks (sometimes one byte each). */
function cutsOf(r: () => number, length: number): number[] {
  if (length < 2) return [];
  const step = r() < 0.1 ? 1 : 1 + Math.floor(r() * length);
  const cuts: number[] = [];
  for (let c = step; c < length; c += step + (step === 1 ? 0 : Math.floor(r() * step))) cuts.push(c);
  return cuts;
}

function feed<R>(push: (c: Buffer) => R, bytes: Buffer, cuts: readonly number[], more: (r: R) => boolean): R {
  let start = 0;
  let last!: R;
  for (const end of [...cuts, bytes.length]) {
    last = push(bytes.subarray(start, end));
    if (!more(last)) return last;
    start = end;
  }
  return last;
}

const HOSTNAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

function checkHello(bytes: Buffer, whole: ClientHelloResult, split: ClientHelloResult): string | null {
  if (!isDeepStrictEqual(whole, split)) return `split result differs: ${JSON.stringify(split)}`;
  if (whole.state === 'need-more') return null;
  if (whole.state === 'not-tls' || whole.state === 'malformed') {
    return (HELLO_FAILURES as readonly string[]).includes(whole.reason)
      ? null
      : `unknown reason ${whole.reason}`;
  }
  if (whole.state !== 'done') return `unknown state ${JSON.stringify(whole)}`;
  if (whole.bytesConsumed < 9 || whole.bytesConsumed > bytes.length)
    return `bytesConsumed ${whole.bytesConsumed}`;
  if (whole.sni !== null && (whole.sni.length > 253 || !HOSTNAME.test(whole.sni)))
    return `bad sni ${whole.sni}`;
  if (whole.sni !== null && whole.sniIpLiteral) return 'sni and ip literal both set';
  if (!whole.alpn.every((p) => typeof p === 'string' && p.length > 0)) return 'bad alpn';
  return null;
}

function helloInput(r: () => number, corpus: readonly Buffer[]): Buffer {
  const seed = corpus[Math.floor(r() * corpus.length)];
  if (r() < 0.5) return mutate(r, seed, corpus);
  // Mutate the handshake, fix its length half the time, and re-frame it into valid records.
  const hs = mutate(r, handshakeOf(seed), corpus.map(handshakeOf));
  if (hs.length >= 4 && r() < 0.5) hs.writeUIntBE(Math.min(hs.length - 4, 0xffffff), 1, 3);
  return frameRecords(hs, cutsOf(r, hs.length).slice(0, 8));
}

function run(
  count: number,
  one: (r: () => number) => [Buffer, string, string | null],
  seed: number,
): FuzzReport {
  const report: FuzzReport = { count: 0, crashes: 0, outcomes: {}, samples: [] };
  const r = rng(seed);
  for (let n = 0; n < count; n++) {
    let input: Buffer = Buffer.alloc(0);
    let outcome = 'crash';
    let error: string | null;
    try {
      [input, outcome, error] = one(r);
    } catch (err) {
      error = `threw: ${(err as Error).stack ?? String(err)}`;
    }
    report.count++;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    if (error === null) continue;
    report.crashes++;
    if (report.samples.length < 5) report.samples.push({ input: input.toString('hex'), error });
  }
  return report;
}

/** Fuzzes the ClientHello reader with `count` mutated inputs. */
export function fuzzClientHello(corpus: readonly Buffer[], count: number, seed: number): FuzzReport {
  return run(
    count,
    (r) => {
      const bytes = helloInput(r, corpus);
      const whole = new ClientHelloReader().push(bytes);
      const reader = new ClientHelloReader();
      const split = feed(
        (c) => reader.push(c),
        bytes,
        cutsOf(r, bytes.length),
        (x) => x.state === 'need-more',
      );
      const outcome = whole.state === 'done' || whole.state === 'need-more' ? whole.state : whole.reason;
      return [bytes, outcome, checkHello(bytes, whole, split)];
    },
    seed,
  );
}

const noRest = (r: HttpHeadResult) => (r.state === 'done' ? { ...r, rest: null } : r);

function checkHead(bytes: Buffer, whole: HttpHeadResult, split: HttpHeadResult): string | null {
  if (!isDeepStrictEqual(noRest(whole), noRest(split)))
    return `split result differs: ${JSON.stringify(noRest(split))}`;
  if (whole.state === 'need-more') return null;
  if (whole.state === 'error') {
    const known = Object.hasOwn(HEAD_FAILURES, whole.reason) && HEAD_FAILURES[whole.reason] === whole.status;
    return known ? null : `unknown refusal ${whole.status} ${whole.reason}`;
  }
  const { head, bytesConsumed, rest } = whole;
  if (bytesConsumed > bytes.length || rest.length !== bytes.length - bytesConsumed)
    return `bytesConsumed ${bytesConsumed}`;
  if (head.host === '' || head.port < 1 || head.port > 65535) return `bad host ${head.authority}`;
  // The forwarded head must say what was judged: it parses back to the same request.
  const out = formatOriginHead(head, { via: 'gatehouse', upgradeProtocols: ['websocket'] });
  const again = new RequestHeadReader({ maxHeadBytes: 1 << 20, maxHeaders: 1000 }).push(out);
  if (again.state !== 'done') return `formatted head does not parse: ${JSON.stringify(again)}`;
  const a = again.head;
  // Host carries no scheme: an https target on 443 is forwarded as a bare name, so compare the
  // authority, and the port only where the origin-form default (80) applies.
  const port = (h: typeof head) => (head.scheme === 'https' ? 0 : h.port);
  const same = [a.method, a.host, a.authority, port(a), a.path, a.body, a.contentLength];
  const want = [head.method, head.host, head.authority, port(head), head.path, head.body, head.contentLength];
  if (!isDeepStrictEqual(same, want)) {
    return `round trip differs: ${JSON.stringify(same)}`;
  }
  return null;
}

/** Fuzzes the request head reader with `count` mutated inputs. */
export function fuzzRequestHead(count: number, seed: number): FuzzReport {
  const corpus = REQUEST_HEADS.map((t) => Buffer.from(t, 'latin1'));
  return run(
    count,
    (r) => {
      const bytes = mutate(r, corpus[Math.floor(r() * corpus.length)], corpus, true);
      const whole = new RequestHeadReader().push(bytes);
      const reader = new RequestHeadReader();
      const split = feed(
        (c) => reader.push(c),
        bytes,
        cutsOf(r, bytes.length),
        (x) => x.state === 'need-more',
      );
      const outcome = whole.state === 'error' ? whole.reason : whole.state;
      return [bytes, outcome, checkHead(bytes, whole, split)];
    },
    seed,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? Date.now() % 100_000);
  const corpus = await helloCorpus();
  const timed = (f: () => FuzzReport) => {
    const t0 = performance.now();
    const report = f();
    return { ...report, seconds: Math.round(performance.now() - t0) / 1000 };
  };
  const hello = timed(() => fuzzClientHello(corpus, count, seed));
  const head = timed(() => fuzzRequestHead(count, seed));
  console.log(JSON.stringify({ seed, hello, head }, null, 2));
  process.exitCode = hello.crashes + head.crashes > 0 ? 1 : 0;
}
