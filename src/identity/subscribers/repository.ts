/**
 * The subscriber repository contract (`Store.subscribers`): identity records as sealed text (the
 * store never sees a key or a clear identity field), the key check value, and the Disconnect-Requests
 * sent for disconnect orders. SQLite and PostgreSQL pass one suite (`contract-subscribers.test-suite.ts`).
 *
 * Scope: every read and write takes `scope`, the ISP the acting user is bound to, or null for an
 * administrator. A scoped user reads only its ISP's rows and writes only its ISP
 * (GH_ERR_SUBSCRIBER_SCOPE otherwise). Every change appends its audit entry in the same transaction,
 * with ids and counts only.
 */
import type { IdentityField } from './model.js';

/** The identity fields of one subscriber, each sealed (see `seal.ts`). */
export type SealedFields = Readonly<Record<IdentityField, string>>;

/** A subscriber as written: ids and verification in clear, identity sealed. */
export interface SealedSubscriberInput {
  readonly id: string;
  readonly sealed: SealedFields;
  readonly verifiedAt: number;
  readonly verificationMethod: string;
}

/** A subscriber as stored. */
export interface SealedSubscriber extends SealedSubscriberInput {
  readonly isp: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** What an import changed. */
export interface UpsertResult {
  readonly created: number;
  readonly updated: number;
}

/** Filter for `list`: one ISP (within scope), ids starting with `q`, keyset paging by id. */
export interface SubscriberFilter {
  readonly isp?: string;
  readonly q?: string;
  readonly after?: { readonly isp: string; readonly id: string };
  /** 1 to 1000; default 100. */
  readonly limit?: number;
}

/** Where a Disconnect-Request stands: claimed (about to be sent), or what the NAS answered. */
export type DisconnectStatus = 'sending' | 'ack' | 'nak' | 'timeout' | 'error';

/** One session to disconnect for one order (unique per order, ISP, NAS and session). */
export interface DisconnectClaim {
  readonly orderId: number;
  readonly isp: string;
  readonly subscriber: string;
  /** The NAS as accounting named it (NAS-IP-Address, NAS-Identifier…). */
  readonly nas: string;
  readonly sessionId: string;
  readonly framedIp: string | null;
  /** Where the request goes (`HOST:PORT`, the ISP's Dynamic Authorization server). */
  readonly nasAddress: string;
}

/** A Disconnect-Request and its outcome. */
export interface DisconnectRecord extends DisconnectClaim {
  readonly id: number;
  readonly status: DisconnectStatus;
  /** RFC 5176 §3.6 Error-Cause of a NAK, or null. */
  readonly errorCause: number | null;
  readonly attempts: number;
  readonly requestedAt: number;
  readonly answeredAt: number | null;
}

/** Subscriber identity records and disconnections. */
export interface SubscriberRepository {
  /**
   * Creates or replaces (by ISP and id) every row in one transaction: all or none. Audited as one
   * `subscriber.create`/`subscriber.update` entry per row plus one `subscriber.import` with counts.
   */
  upsertMany(
    scope: string | null,
    isp: string,
    rows: readonly SealedSubscriberInput[],
    actor: string,
  ): Promise<UpsertResult>;
  /** One subscriber, or undefined (also when it lies outside `scope`). */
  get(scope: string | null, isp: string, id: string): Promise<SealedSubscriber | undefined>;
  /** Subscribers by ISP and id. */
  list(scope: string | null, filter?: SubscriberFilter): Promise<SealedSubscriber[]>;
  /** Subscribers in scope (and ISP, when given). */
  count(scope: string | null, isp?: string): Promise<number>;
  /** The identity key's check value, or null before anything was sealed. */
  keyCheck(): Promise<string | null>;
  /** Stores the key check value unless one is there; returns the one in force. Audited when stored. */
  setKeyCheck(value: string, actor: string): Promise<string>;
  /**
   * Claims one session for one order before its request is sent: the record, or null when it was
   * claimed before (so no order ever sends twice for a session). Audited as `disconnect.request`.
   */
  claimDisconnect(claim: DisconnectClaim, actor: string): Promise<DisconnectRecord | null>;
  /** Records the NAS's answer to a claimed request. Audited as `disconnect.<status>`. */
  settleDisconnect(
    id: number,
    outcome: { status: Exclude<DisconnectStatus, 'sending'>; errorCause?: number; attempts: number },
    actor: string,
  ): Promise<DisconnectRecord>;
  /** Disconnect records in scope, newest first (of one order, when given). */
  disconnects(
    scope: string | null,
    filter?: { orderId?: number; limit?: number },
  ): Promise<DisconnectRecord[]>;
}
