/** The tables of migration 4 as Kysely sees them, and the mapping of their rows to the repository's types. */
import type { Generated } from 'kysely';
import { GatehouseError } from '../../core/errors.js';
import type {
  DisconnectRecord,
  DisconnectStatus,
  SealedSubscriber,
  SealedSubscriberInput,
} from '../../identity/subscribers/repository.js';

/** The tables of migration 4, declared here so the addition stays self-contained. */
export type SubscriberTables = {
  subscribers: {
    isp: string;
    id: string;
    name_sealed: string;
    document_type_sealed: string;
    document_number_sealed: string;
    address_sealed: string;
    phone_sealed: string;
    verified_at: number;
    verification_method: string;
    created_at: number;
    created_by: string;
    updated_at: number;
    updated_by: string;
  };
  identity_key_check: { slot: number; value: string; created_at: number; created_by: string };
  subscriber_disconnects: {
    id: Generated<number>;
    order_id: number;
    isp: string;
    subscriber: string;
    nas: string;
    session_id: string;
    framed_ip: string | null;
    nas_address: string;
    status: string;
    error_cause: number | null;
    attempts: number;
    requested_at: number;
    answered_at: number | null;
  };
};

export type Row = SubscriberTables['subscribers'];
export type DisconnectRow = Omit<SubscriberTables['subscriber_disconnects'], 'id'> & { id: number };

/** A `subscribers` row as the repository returns it. */
export const toSubscriber = (r: Row): SealedSubscriber => ({
  isp: r.isp,
  id: r.id,
  sealed: {
    name: r.name_sealed,
    documentType: r.document_type_sealed,
    documentNumber: r.document_number_sealed,
    address: r.address_sealed,
    phone: r.phone_sealed,
  },
  verifiedAt: Number(r.verified_at),
  verificationMethod: r.verification_method,
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
});

/** A `subscriber_disconnects` row as the repository returns it. */
export const toDisconnect = (r: DisconnectRow): DisconnectRecord => ({
  id: Number(r.id),
  orderId: Number(r.order_id),
  isp: r.isp,
  subscriber: r.subscriber,
  nas: r.nas,
  sessionId: r.session_id,
  framedIp: r.framed_ip,
  nasAddress: r.nas_address,
  status: r.status as DisconnectStatus,
  errorCause: r.error_cause === null ? null : Number(r.error_cause),
  attempts: Number(r.attempts),
  requestedAt: Number(r.requested_at),
  answeredAt: r.answered_at === null ? null : Number(r.answered_at),
});

/** GH_ERR_SUBSCRIBER_SCOPE unless `scope` (null: admin) may act on `isp`. */
export function assertInScope(scope: string | null, isp: string, what: string): void {
  if (scope !== null && scope !== isp) {
    throw new GatehouseError(
      'GH_ERR_SUBSCRIBER_SCOPE',
      `${what}: a user bound to ISP "${scope}" cannot act on ISP "${isp}"'s subscribers`,
    );
  }
}

/** The columns a re-import replaces (creation stays as it was). */
export const UPDATED = [
  'name_sealed',
  'document_type_sealed',
  'document_number_sealed',
  'address_sealed',
  'phone_sealed',
  'verified_at',
  'verification_method',
  'updated_at',
  'updated_by',
] as const;

/** The row for one subscriber of `isp`, written by `by` at `at`. */
export function toSubscriberRow(isp: string, r: SealedSubscriberInput, by: string, at: number): Row {
  return {
    isp,
    id: r.id,
    name_sealed: r.sealed.name,
    document_type_sealed: r.sealed.documentType,
    document_number_sealed: r.sealed.documentNumber,
    address_sealed: r.sealed.address,
    phone_sealed: r.sealed.phone,
    verified_at: r.verifiedAt,
    verification_method: r.verificationMethod,
    created_at: at,
    created_by: by,
    updated_at: at,
    updated_by: by,
  };
}
