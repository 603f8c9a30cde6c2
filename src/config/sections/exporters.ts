/**
 * `records.ipfix` and `records.dnstap`: copies of written records for the collectors operators
 * already run (src/records/exporters). Both are off unless a collector is given, and both leave
 * the subscriber's address out unless `includeAddress` says otherwise (DESIGN principle 4).
 */
import { bool, duration, enumOf, int, obj, optional, str } from '../dsl.js';
import { type Common, type Ctx, type Field, leaf } from '../field.js';
import { formatListen, listen } from '../net-fields.js';

/**
 * A collector's `ADDR:PORT`, kept as normalised text: it is where Gatehouse connects, not a
 * listener, so it must not take part in the listener clash check (which finds parsed addresses).
 */
function collector(o: Common<string>): Field<string> {
  const address = listen();
  return leaf<string, string>({
    ...o,
    type: 'ADDR:PORT',
    parse: (value, fail) => {
      const scratch: Ctx = { issues: [], derived: [], checks: [] };
      const a = address.parse(value, '', scratch);
      if (!a || scratch.issues.length > 0) {
        return fail((scratch.issues[0] ?? '').replace(/^\(root\): /, '') || 'expected "ADDR:PORT"');
      }
      if (a.port === 0) return fail('expected a port 1..65535, got 0');
      return formatListen(a);
    },
  });
}

/** `records.ipfix`. */
export const ipfixSection = obj(
  {
    collector: optional(
      collector({ doc: 'The IPFIX collector (e.g. nfcapd) as ADDR:PORT; absent turns IPFIX off.' }),
    ),
    transport: enumOf(['udp', 'tcp'], { default: 'udp', doc: 'IPFIX transport (RFC 7011 §10).' }),
    includeAddress: bool({
      default: false,
      doc: 'Export the subscriber’s address (sourceIPv4/IPv6Address). Off: only the pseudonym (userName, IE 371).',
    }),
    templateRefresh: duration({
      default: '1m',
      min: '1s',
      max: '1d',
      doc: 'Over UDP, templates are re-sent this often (RFC 7011 §8.4).',
    }),
    observationDomain: int({
      default: 1,
      min: 0,
      max: 4_294_967_295,
      doc: 'The Observation Domain ID in every message header (RFC 7011 §3.1).',
    }),
  },
  { doc: 'IPFIX export of flow records (RFC 7011).' },
);

/** `records.dnstap`. */
export const dnstapSection = obj(
  {
    socket: optional(
      str({ doc: 'Unix socket of a Frame Streams reader (e.g. fstrm_capture -u); absent: not used.' }),
    ),
    tcp: optional(
      collector({ doc: 'TCP address of a Frame Streams reader as ADDR:PORT; absent: not used.' }),
    ),
    identity: optional(
      str({ maxLength: 255, doc: 'The dnstap identity (the node name); the host name when absent.' }),
    ),
    includeAddress: bool({
      default: false,
      doc: 'Export the client’s address (query_address). Off: only the pseudonym, in the `extra` field.',
    }),
  },
  {
    doc: 'dnstap export of DNS query records over Frame Streams.',
    check: (d) =>
      d.socket !== undefined && d.tcp !== undefined
        ? [{ path: 'tcp', message: 'set either socket or tcp, not both' }]
        : [],
  },
);
