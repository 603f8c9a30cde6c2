/**
 * DNS wire constants: the numbers the codec and the pipeline share.
 * Values are the IANA "Domain Name System (DNS) Parameters" registries.
 */

/** RCODEs (RFC 1035 §4.1.1; RFC 6891 §9 for BADVERS, which needs the OPT extended RCODE). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** Resource record TYPEs used by the gateway (RFC 1035 §3.2.2, RFC 3596, RFC 6891, RFC 9460). */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  RRSIG: 46,
  SVCB: 64,
  HTTPS: 65,
  ANY: 255,
} as const;

/** CLASS IN (RFC 1035 §3.2.4). */
export const CLASS_IN = 1;

/** EDNS(0) OPTION-CODEs (IANA "DNS EDNS0 Option Codes (OPT)"). */
export const OPTION = {
  /** RFC 7871 §6: EDNS Client Subnet. */
  ECS: 8,
  /** RFC 7873 §4: DNS Cookie. */
  COOKIE: 10,
  /** RFC 7830 §3: Padding. */
  PADDING: 12,
  /** RFC 8914 §2: Extended DNS Error. */
  EDE: 15,
} as const;

/** RFC 8914 §4 INFO-CODEs the gateway sends. */
export const EDE_CODE = {
  OTHER: 0,
  STALE_ANSWER: 3,
  FORGED_ANSWER: 4,
  BLOCKED: 15,
  CENSORED: 16,
  FILTERED: 17,
  PROHIBITED: 18,
  NO_REACHABLE_AUTHORITY: 22,
  NETWORK_ERROR: 23,
} as const;

/** Header flag bits in the 16-bit word at offset 2 (RFC 1035 §4.1.1; AD/CD from RFC 4035 §3.2). */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** Fixed sizes (RFC 1035 §4.1.1, §4.1.3; RFC 6891 §6.1.2). */
export const HEADER_SIZE = 12;
export const MAX_NAME_WIRE = 255;
export const MAX_LABEL = 63;
/** RFC 1035 §4.2.1: the classic UDP limit, and the floor for any advertised EDNS size (RFC 6891 §6.2.5). */
export const CLASSIC_UDP_SIZE = 512;
/** The DNS Flag Day 2020 default EDNS buffer size: avoids IP fragmentation on common paths. */
export const DEFAULT_EDNS_SIZE = 1232;
