/**
 * The TLS alerts the gateway sends instead of forwarding a refused ClientHello: the one honest
 * answer TLS allows without a certificate (DESIGN §1.2; §6 forbids injecting one). An alert is a
 * plaintext record before the handshake, so any TLS client can read it.
 */
import { Buffer } from 'node:buffer';

/** RFC 8446 §6 AlertDescription values used here. */
export const ALERT = {
  internalError: 80,
  accessDenied: 49,
  unrecognizedName: 112,
} as const;

/** One of the alert descriptions the gateway sends. */
export type AlertDescription = (typeof ALERT)[keyof typeof ALERT];

// RFC 8446 §5.1: legacy_record_version is 0x0303 for every record but an initial ClientHello.
const TLS12 = 0x0303;

/**
 * A 7-byte alert record: ContentType alert (21), record version, length 2, level fatal (2),
 * description (RFC 8446 §5.1, §6). `version` is the record version to echo, such as the
 * client's `recordVersion` for a TLS 1.0 client; default 0x0303.
 */
export function tlsAlert(description: AlertDescription, version: number = TLS12): Buffer {
  return Buffer.from([21, (version >> 8) & 0xff, version & 0xff, 0, 2, 2, description]);
}

/** RFC 8446 §6.2 access_denied (49): the name is blocked by an order (the fatal alert a block sends). */
export function accessDeniedAlert(version?: number): Buffer {
  return tlsAlert(ALERT.accessDenied, version);
}

/** RFC 8446 §6.2 internal_error (80): the gateway failed, not the client. */
export function internalErrorAlert(version?: number): Buffer {
  return tlsAlert(ALERT.internalError, version);
}

/** RFC 6066 §3 unrecognized_name (112): the hello named nothing the gateway can judge or route. */
export function unrecognizedNameAlert(version?: number): Buffer {
  return tlsAlert(ALERT.unrecognizedName, version);
}
