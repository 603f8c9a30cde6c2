/**
 * The IPFIX exporter (RFC 7011): flow records to a collector such as nfcapd, over UDP or TCP.
 *
 * UDP (§10.3): every message fits `UDP_MAX_MESSAGE` bytes, and the Template Set is re-sent every
 * `templateRefreshMs` (§8.4: over UDP templates expire at the collector, so they are repeated
 * at regular intervals) and in the first message. TCP (§10.4): templates are sent once at the
 * start of each connection, which is a new Transport Session, so the Sequence Number restarts.
 *
 * The pseudonym travels as `userName` (IE 371); the subscriber's address only when
 * `includeAddress` says so (DESIGN principle 4).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { FlowRecord } from '../types.js';
import { addressBytes } from './address.js';
import { ExportQueue, type RecordExporter } from './exporter.js';
import { FIREWALL_EVENT, IpfixEncoder, type IpfixFlow } from './ipfix-codec.js';
import { createReconnectingStream, type ReconnectingStream } from './stream.js';

/**
 * RFC 7011 §10.3.3: a message must fit the path MTU. 1232 bytes is what fits an IPv6 minimum
 * MTU (1280) after the IPv6 and UDP headers, so no path fragments it, for either family.
 */
export const UDP_MAX_MESSAGE = 1232;
/** Over TCP the 16-bit Length field (§3.1) is the only bound; 32 KiB keeps writes moderate. */
const TCP_MAX_MESSAGE = 32_768;
const PROTOCOL_TCP = 6; // every proxied flow is a TCP connection

/** Settings of the IPFIX exporter. */
export interface IpfixExporterConfig {
  readonly collector: { readonly host: string; readonly port: number };
  readonly transport: 'udp' | 'tcp';
  readonly includeAddress: boolean;
  readonly templateRefreshMs: number;
  /** RFC 7011 §3.1 Observation Domain ID (0 means "unspecified"). */
  readonly observationDomain?: number | undefined;
  /** Records that may wait for the collector. */
  readonly maxQueue?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly onDrop?: ((dropped: number) => void) | undefined;
  readonly onError?: ((error: Error) => void) | undefined;
  /** Reconnect backoff over TCP (tests shorten it). */
  readonly minBackoffMs?: number | undefined;
}

/** Maps a flow record to what the encoder writes. */
export function toIpfixFlow(r: FlowRecord): IpfixFlow {
  return {
    start: r.start,
    end: r.end,
    source: addressBytes(r.clientAddress),
    destination: addressBytes(r.destinationAddress),
    destinationPort: r.port,
    protocol: PROTOCOL_TCP,
    bytesOut: r.bytesUp,
    bytesIn: r.bytesDown,
    userName: r.subscriber ?? '',
    firewallEvent: r.verdict === 'block' ? FIREWALL_EVENT.denied : FIREWALL_EVENT.deleted,
  };
}

interface Transport {
  /** Changes when a new Transport Session starts (templates and sequence restart). */
  session(): number;
  send(messages: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

function udpTransport(c: IpfixExporterConfig): Transport {
  const socket: UdpSocket = createSocket(c.collector.host.includes(':') ? 'udp6' : 'udp4');
  // An ICMP port unreachable surfaces as an 'error' on a connected socket: counted, not fatal.
  socket.on('error', (e) => c.onError?.(e));
  const connected = new Promise<void>((resolve) =>
    socket.connect(c.collector.port, c.collector.host, resolve),
  );
  return {
    session: () => 0,
    async send(messages) {
      await connected;
      for (const m of messages) {
        await new Promise<void>((resolve, reject) => socket.send(m, (e) => (e ? reject(e) : resolve())));
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function tcpTransport(c: IpfixExporterConfig): Transport {
  const stream: ReconnectingStream = createReconnectingStream({
    target: c.collector,
    minBackoffMs: c.minBackoffMs,
    onState: (up, e) => {
      if (!up && e) c.onError?.(e);
    },
  });
  return {
    session: () => stream.session,
    async send(messages) {
      // §10.4.1: one stream carries the messages back to back; the Length field frames them.
      await stream.write(Buffer.concat(messages));
    },
    close: () => stream.close(),
  };
}

/** Starts the IPFIX exporter (it connects in the background; nothing here waits on the collector). */
export function createIpfixExporter(c: IpfixExporterConfig): RecordExporter {
  const now = c.now ?? Date.now;
  const encoder = new IpfixEncoder({
    observationDomain: c.observationDomain ?? 0,
    maxMessageBytes: c.transport === 'udp' ? UDP_MAX_MESSAGE : TCP_MAX_MESSAGE,
    includeAddress: c.includeAddress,
  });
  const transport = c.transport === 'udp' ? udpTransport(c) : tcpTransport(c);
  let templatesAt = Number.NEGATIVE_INFINITY;
  let session = -1;
  const queue = new ExportQueue<FlowRecord>({
    maxRecords: c.maxQueue ?? 50_000,
    onDrop: c.onDrop,
    async send(batch) {
      const t = now();
      const current = transport.session();
      const fresh = current !== session;
      if (fresh) encoder.resetSession();
      const withTemplates = fresh || t - templatesAt >= c.templateRefreshMs;
      const flows = batch.map(toIpfixFlow);
      await transport.send(encoder.encode(flows, Math.floor(t / 1000), withTemplates));
      // Only a delivered Template Set counts: a failed send leaves the next one to carry it.
      session = current;
      if (withTemplates) templatesAt = t;
    },
  });
  return {
    name: 'ipfix',
    flow: (batch) => queue.offer(batch),
    stats: () => queue.stats(),
    async close(timeoutMs) {
      await queue.close(timeoutMs);
      await transport.close();
    },
  };
}
