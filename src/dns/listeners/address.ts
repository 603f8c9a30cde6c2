/**
 * Listen addresses in the configuration's two forms: `ADDR:PORT` text (IPv6 as
 * `[::1]:5353`) or a `{ host, port }` object as the loaded configuration holds it.
 */
import { GatehouseError } from '../../core/errors.js';
import { formatIPv4, formatIPv6, parseAddress } from '../../core/net/address.js';

/** An address to listen on, as text or as the configuration's object. */
export type ListenSpec = string | { readonly host: string; readonly port: number };

/** A parsed listen address: host as an IP literal (no brackets) and port 0..65535. */
export interface ListenAt {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** Parses a listen address, throwing `GH_ERR_DNS_LISTEN_CONFIG` with the bad text quoted. */
export function parseListen(spec: ListenSpec): ListenAt {
  const text = typeof spec === 'string' ? spec : `[${spec.host}]:${spec.port}`;
  const m = HOST_PORT.exec(text);
  const addr = m ? parseAddress(m[1] ?? m[2]) : null;
  const port = m ? Number(m[3]) : -1;
  if (
    m === null ||
    addr === null ||
    port > 65535 ||
    (m[1] !== undefined && addr.family !== 6 && typeof spec === 'string')
  ) {
    throw new GatehouseError(
      'GH_ERR_DNS_LISTEN_CONFIG',
      `parsing listen address ${JSON.stringify(typeof spec === 'string' ? spec : text)}: expected "ADDR:PORT" (IPv6 as "[::1]:53")`,
    );
  }
  return { host: addr.family === 4 ? formatIPv4(addr.words[3]) : formatIPv6(addr.words), port };
}
