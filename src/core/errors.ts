/**
 * The catalogue of stable error codes (`GH_ERR_<AREA>_<WHAT>`).
 *
 * Code is the contract: tests and callers match on `code`, never on message text.
 * `docs/errors.md` is generated from this table and kept in sync by `errors.test.ts`.
 */

/** One entry of the catalogue: what the error means and which HTTP status the control plane maps it to. */
export interface ErrorSpec {
  readonly description: string;
  readonly http: number;
}

/** Every error Gatehouse can raise, by code. Add new codes here, then run `npm run docs`. */
export const ERRORS = {
  GH_ERR_CONFIG_INVALID: {
    description: 'The configuration file failed validation; every error is listed with its path.',
    http: 500,
  },
  GH_ERR_CONFIG_READ: {
    description: 'The configuration file could not be read or is not valid YAML.',
    http: 500,
  },
  GH_ERR_CLI_USAGE: { description: 'A command-line argument is missing or malformed.', http: 400 },
  GH_ERR_STORE_OPEN: { description: 'The store could not be opened (path, permissions or URL).', http: 503 },
  GH_ERR_STORE_MIGRATION: {
    description: 'A store migration failed; the store was left at its previous version.',
    http: 500,
  },
  GH_ERR_STORE_CORRUPT: {
    description:
      'Stored data failed an integrity check (list body checksum, or a stored rule that no longer parses).',
    http: 500,
  },
  GH_ERR_ORDER_NOT_FOUND: { description: 'No order has that id.', http: 404 },
  GH_ERR_ORDER_INVALID: {
    description: 'An order field is missing or malformed (legal basis, expiry, scope, disclosure, targets).',
    http: 400,
  },
  GH_ERR_ORDER_EXPIRY_TOO_FAR: {
    description: 'The order expires later than the configured maximum duration allows.',
    http: 400,
  },
  GH_ERR_ORDER_STATE: { description: 'The order is not in a state that allows this transition.', http: 409 },
  GH_ERR_ORDER_SELF_APPROVAL: {
    description: 'Two-person rule: the creator of an order cannot approve it.',
    http: 403,
  },
  GH_ERR_USER_REQUIRED: {
    description: 'The act needs a named user (`--as NAME` or `GATEHOUSE_USER`).',
    http: 401,
  },
  GH_ERR_USER_INVALID: {
    description: 'A user name is malformed (too long, or has control characters).',
    http: 400,
  },
  GH_ERR_TARGET_INVALID: { description: 'A target (domain, address, CIDR or URL) is malformed.', http: 400 },
  GH_ERR_LIST_FORMAT: { description: 'The list format is unknown.', http: 400 },
  GH_ERR_LIST_STREAM: {
    description: 'The list could not be read (missing file, I/O error); nothing was saved.',
    http: 400,
  },
  GH_ERR_LIST_ERROR_BUDGET: {
    description: 'The list had more bad lines than its error budget allows; nothing was saved.',
    http: 422,
  },
  GH_ERR_LIST_NOT_FOUND: { description: 'No list has that id or version.', http: 404 },
  GH_ERR_LIST_EXISTS: { description: 'A list with that name already exists.', http: 409 },
  GH_ERR_LIST_INVALID: { description: 'A list name or format is missing or malformed.', http: 400 },
  GH_ERR_POLICY_BUNDLE: {
    description: 'A policy bundle is corrupt or of an unsupported version.',
    http: 422,
  },
  GH_ERR_POLICY_FACTS: {
    description: 'The facts to evaluate (name, address or URL) are malformed.',
    http: 400,
  },
  GH_ERR_EXPORT_FORMAT: { description: 'The export format is unknown.', http: 400 },
  GH_ERR_DNS_ENCODE: {
    description:
      'A name or address given to a DNS response builder cannot be encoded (empty label, label over 63 bytes, name over 255 bytes, bad address).',
    http: 500,
  },
  GH_ERR_DNS_UPSTREAM_FAILED: {
    description:
      'Every upstream resolver tried failed (timeout, network error, SERVFAIL or REFUSED), or the pool is closed; the caller may serve stale or SERVFAIL.',
    http: 502,
  },
  GH_ERR_DNS_UPSTREAM_TIMEOUT: {
    description: 'One upstream resolver did not answer within the timeout.',
    http: 504,
  },
  GH_ERR_DNS_UPSTREAM_CONFIG: {
    description:
      'An upstream resolver address is malformed (expected ADDR:PORT, [ADDR]:PORT, tcp://ADDR:PORT or tls://ADDR:PORT#NAME).',
    http: 500,
  },
  GH_ERR_DNS_UPSTREAM_QUERY: {
    description: 'The query given to the upstream pool is not a well-formed DNS query with one question.',
    http: 400,
  },
  GH_ERR_DNS_LISTEN: {
    description: 'A DNS listener could not bind its address (in use, not local, or not permitted).',
    http: 500,
  },
  GH_ERR_DNS_LISTEN_CONFIG: {
    description:
      'A DNS listener address is malformed (expected ADDR:PORT, IPv6 as [ADDR]:PORT), or DoT/DoH listeners have no certificate.',
    http: 500,
  },
  GH_ERR_TLS_CERTIFICATE: {
    description:
      'The TLS certificate or key for DoT and DoH could not be read, parsed or created (the message names the file, or says openssl is missing).',
    http: 500,
  },
  GH_ERR_PROXY_LISTEN: {
    description: 'A proxy listener could not bind its address (in use, not local, or not permitted).',
    http: 500,
  },
  GH_ERR_RADIUS_LISTEN: {
    description:
      'The RADIUS accounting listener could not bind its address (in use, not local, or not permitted).',
    http: 500,
  },
  GH_ERR_RADIUS_CONFIG: {
    description:
      'A RADIUS setting is malformed: a NAS address that is not HOST:PORT or [ADDR]:PORT, an empty shared secret, or a Disconnect-Request without attributes.',
    http: 500,
  },
  GH_ERR_RECORDS_SPOOL: {
    description: 'The record spool directory could not be opened, read or written (path, permissions, disk).',
    http: 500,
  },
  GH_ERR_AUDIT_INVALID: {
    description:
      'An audit entry is malformed (action not `area.verb`, object not `kind/id`, details not a JSON object of finite values).',
    http: 400,
  },
  GH_ERR_AUDIT_CONFLICT: {
    description:
      'Appending to the audit log kept losing the race for the next sequence number to other writers; nothing was written.',
    http: 503,
  },
  GH_ERR_AUDIT_KEY: {
    description:
      'The audit head signing key could not be read, created or parsed, or its file is readable by others.',
    http: 500,
  },
  GH_ERR_RECORDS_SINK: {
    description: 'A record sink could not be opened (database path, permissions, worker start-up).',
    http: 503,
  },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof ERRORS;

/** The one error type Gatehouse throws on purpose: a catalogue code, a message, optional details. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatehouseError';
    this.code = code;
    this.details = details;
  }
}

/** True when `err` is a GatehouseError, optionally of one code. */
export function isGatehouseError(err: unknown, code?: ErrorCode): err is GatehouseError {
  return err instanceof GatehouseError && (code === undefined || err.code === code);
}
