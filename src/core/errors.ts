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
  GH_ERR_TARGET_CLASS_UNKNOWN: {
    description: 'A `class:` target names no destination class (known: international, domestic).',
    http: 400,
  },
  GH_ERR_TARGET_CLASS_ACTION: {
    description:
      'A destination-class target on an order whose action cannot use one (only block, throttle, allow).',
    http: 400,
  },
  GH_ERR_TARGET_CLASS_UNCONFIGURED: {
    description:
      'A destination-class target while `proxy.domesticPrefixes` is empty: no destination has a class, so it could never match.',
    http: 409,
  },
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
  // Records retention and aggregate reports (src/records/retention*.ts, report.ts).
  GH_ERR_RECORDS_REPORT: {
    description: 'A records report was asked for an empty or malformed time range, or an unknown format.',
    http: 400,
  },
  // Appeals and the public portal (src/portal/, src/store/sql/appeals.ts).
  GH_ERR_APPEAL_INVALID: {
    description:
      'An appeal field is missing or malformed (appellant kind, contact e-mail, grounds or reason length, outcome).',
    http: 400,
  },
  GH_ERR_APPEAL_NOT_FOUND: { description: 'No appeal has that tracking reference.', http: 404 },
  GH_ERR_APPEAL_STATE: { description: 'The appeal has already been decided.', http: 409 },
  GH_ERR_PORTAL_FORM: {
    description:
      'The appeal form was not accepted: its form token is missing, forged or expired, or it came from another origin.',
    http: 403,
  },
  GH_ERR_PORTAL_RATE_LIMITED: {
    description: 'Too many appeals from this address or in total; retry after the time given.',
    http: 429,
  },
  // Control plane (src/control/): sign-in, roles and the REST API.
  GH_ERR_AUTH_REQUIRED: {
    description:
      'The route needs a signed-in user or an API token (cookie `gh_session` or `authorization: Bearer`).',
    http: 401,
  },
  GH_ERR_AUTH_FAILED: {
    description: 'Sign-in failed: unknown name, wrong password, or a wrong or reused one-time code.',
    http: 401,
  },
  GH_ERR_AUTH_FORBIDDEN: { description: 'The signed-in user’s roles do not allow this route.', http: 403 },
  GH_ERR_AUTH_MFA_REQUIRED: {
    description: 'Admin, operator and approver accounts must enrol TOTP (RFC 6238) before they can act.',
    http: 403,
  },
  GH_ERR_AUTH_PASSWORD_CHANGE: {
    description: 'The account signed in with a one-time password and must set its own before acting.',
    http: 403,
  },
  GH_ERR_AUTH_PASSWORD_WEAK: {
    description: 'A new password is too short (at least 12 characters) or equals the current one.',
    http: 400,
  },
  GH_ERR_AUTH_CSRF: {
    description:
      'A cookie-authenticated change lacked an `x-csrf-token` header equal to the `gh_csrf` cookie.',
    http: 403,
  },
  GH_ERR_AUTH_RATE_LIMITED: {
    description: 'Too many failed sign-ins for this name or from this address; retry after the time given.',
    http: 429,
  },
  GH_ERR_AUTH_TOTP: {
    description: 'TOTP enrolment failed: no enrolment was started, or the code does not match.',
    http: 400,
  },
  GH_ERR_ACCOUNT_EXISTS: { description: 'An account with that name already exists.', http: 409 },
  GH_ERR_ACCOUNT_NOT_FOUND: { description: 'No account (or API token) has that name or id.', http: 404 },
  GH_ERR_ACCOUNT_INVALID: {
    description: 'An account’s roles or ISP binding are malformed (an `isp` account needs exactly one ISP).',
    http: 400,
  },
  GH_ERR_API_VALIDATION: {
    description: 'The request failed its schema: a missing, malformed or unknown field (each is listed).',
    http: 400,
  },
  GH_ERR_API_BODY_TOO_LARGE: { description: 'The request body is larger than the route accepts.', http: 413 },
  GH_ERR_API_MEDIA_TYPE: {
    description: 'The request body is not of a media type the route accepts.',
    http: 415,
  },
  GH_ERR_API_NOT_FOUND: { description: 'No route or resource at that path.', http: 404 },
  GH_ERR_API_FORBIDDEN_SOURCE: {
    description: 'The node-local route answers only loopback clients or an API token.',
    http: 403,
  },
  GH_ERR_API_INTERNAL: {
    description: 'An unexpected error; it is logged with the request id, and no detail is sent.',
    http: 500,
  },
  GH_ERR_CONNECTIONS_NO_ORDER: {
    description: 'Live connections are only ended citing an order in force; that order is not.',
    http: 409,
  },
  // Subscriber identity records and disconnection (src/identity/subscribers/, disconnect-orders.ts).
  GH_ERR_IDENTITY_KEY_MISSING: {
    description:
      'The identity key is missing (no `GATEHOUSE_IDENTITY_KEY`, no key file) while the store already holds records sealed with one; nothing was changed.',
    http: 500,
  },
  GH_ERR_IDENTITY_KEY_INVALID: {
    description:
      'The identity key file or `GATEHOUSE_IDENTITY_KEY` is not 32 bytes in hex or base64, cannot be read or created, or its file is readable by others.',
    http: 500,
  },
  GH_ERR_IDENTITY_KEY_WRONG: {
    description:
      'The identity key does not match the key check value stored with the subscriber records (another key sealed them); nothing was changed.',
    http: 500,
  },
  GH_ERR_IDENTITY_TAMPERED: {
    description:
      'A sealed identity field failed authentication (AES-256-GCM): it was altered, or moved from another row or field.',
    http: 500,
  },
  GH_ERR_SUBSCRIBER_INVALID: {
    description:
      'A subscriber import was refused: bad rows (each listed with its CSV line or JSON index and field), a malformed file, or an unknown format; nothing was imported.',
    http: 400,
  },
  GH_ERR_SUBSCRIBER_NOT_FOUND: {
    description: 'No subscriber has that ISP and id (within your scope).',
    http: 404,
  },
  GH_ERR_SUBSCRIBER_SCOPE: {
    description: 'An ISP-scoped user tried to read or change another ISP’s subscribers.',
    http: 403,
  },
  // Lawful access: warrants (src/access/, src/store/sql/warrants.ts).
  GH_ERR_WARRANT_INVALID: {
    description:
      'A warrant request field is missing or malformed (authority, reference, crime category, target, window, justification, urgency); every one is listed with its path, nothing was saved.',
    http: 400,
  },
  GH_ERR_WARRANT_NOT_FOUND: { description: 'No warrant has that id.', http: 404 },
  GH_ERR_WARRANT_STATE: {
    description:
      'The warrant is not in a state that allows this act (already decided, refused, executed or notified).',
    http: 409,
  },
  GH_ERR_WARRANT_SELF_APPROVAL: {
    description: 'Two-person rule: the requester of a warrant cannot approve it.',
    http: 403,
  },
  GH_ERR_WARRANT_SEALED: {
    description:
      'The warrant’s results are sealed: it was refused after an urgent execution, or its review was not done in time.',
    http: 403,
  },
  GH_ERR_WARRANT_ROLE: {
    description:
      'The acting user lacks the role this warrant act needs (approving and reviewing need `approver`).',
    http: 403,
  },
  GH_ERR_WARRANT_RECORDS: {
    description: 'The records database could not be read while executing a warrant; nothing was stored.',
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
