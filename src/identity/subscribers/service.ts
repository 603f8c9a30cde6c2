/**
 * The subscriber service: what the CLI and the control plane's `/api/subscribers` call. It validates
 * imports, seals and opens identity fields with the identity key, and passes the caller's scope (the
 * ISP its user is bound to, or null for an administrator) to every repository call.
 */
import { GatehouseError } from '../../core/errors.js';
import { type ImportFormat, parseImport } from './import.js';
import { type KeySource, resolveIdentityKey } from './key.js';
import { IDENTITY_FIELDS, type SubscriberRecord } from './model.js';
import type {
  DisconnectRecord,
  SealedSubscriber,
  SubscriberFilter,
  SubscriberRepository,
} from './repository.js';
import { type IdentityKey, openField, sealField } from './seal.js';

/** What an import did. */
export interface ImportSummary {
  readonly isp: string;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
}

/** An import request (CLI file or API body). */
export interface ImportRequest {
  readonly isp: string;
  readonly format: ImportFormat;
  readonly body: string;
}

/** Subscriber identity records, scoped. */
export interface SubscriberService {
  /** Validates every row, then upserts them all in one transaction (GH_ERR_SUBSCRIBER_INVALID lists bad rows). */
  import(scope: string | null, request: ImportRequest, actor: string): Promise<ImportSummary>;
  /** Subscribers in scope, identity opened. */
  list(scope: string | null, filter?: SubscriberFilter): Promise<SubscriberRecord[]>;
  /** One subscriber, or GH_ERR_SUBSCRIBER_NOT_FOUND (also outside the scope: existence is not revealed). */
  show(scope: string | null, isp: string, id: string): Promise<SubscriberRecord>;
  /** Disconnect requests in scope, newest first. */
  disconnects(
    scope: string | null,
    filter?: { orderId?: number; limit?: number },
  ): Promise<DisconnectRecord[]>;
}

/** Options of `createSubscriberService`. */
export interface SubscriberServiceOptions {
  readonly repository: SubscriberRepository;
  /** Where the identity key is (config `identity.keyFile`, env GATEHOUSE_IDENTITY_KEY). */
  readonly keySource: KeySource;
  readonly now?: () => number;
}

function opened(key: IdentityKey, s: SealedSubscriber): SubscriberRecord {
  const fields = Object.fromEntries(
    IDENTITY_FIELDS.map((f) => [f, openField(key, s.isp, s.id, f, s.sealed[f])]),
  );
  return {
    isp: s.isp,
    id: s.id,
    ...(fields as Record<(typeof IDENTITY_FIELDS)[number], string>),
    verifiedAt: s.verifiedAt,
    verificationMethod: s.verificationMethod,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
  };
}

/** Builds the service. The key is read (and checked against the store) on first use, then kept. */
export function createSubscriberService(o: SubscriberServiceOptions): SubscriberService {
  const now = o.now ?? Date.now;
  const repo = o.repository;
  let key: Promise<IdentityKey> | null = null;
  const keyFor = (actor: string): Promise<IdentityKey> => {
    // A failure is not kept: restoring the key file or the environment must not need a restart.
    key ??= resolveIdentityKey(o.keySource, repo, actor).catch((err: unknown) => {
      key = null;
      throw err;
    });
    return key;
  };
  return {
    async import(scope, request, actor) {
      const { isp, format, body } = request;
      if (scope !== null && scope !== isp) {
        throw new GatehouseError(
          'GH_ERR_SUBSCRIBER_SCOPE',
          `importing subscribers: a user bound to ISP "${scope}" cannot import for "${isp}"`,
        );
      }
      const rows = parseImport(isp, format, body, now());
      const k = await keyFor(actor);
      const sealed = rows.map((r) => ({
        id: r.id,
        sealed: Object.fromEntries(
          IDENTITY_FIELDS.map((f) => [f, sealField(k, isp, r.id, f, r[f])]),
        ) as Record<(typeof IDENTITY_FIELDS)[number], string>,
        verifiedAt: r.verifiedAt,
        verificationMethod: r.verificationMethod,
      }));
      const result = await repo.upsertMany(scope, isp, sealed, actor);
      return { isp, rows: rows.length, ...result };
    },
    async list(scope, filter) {
      const rows = await repo.list(scope, filter);
      if (rows.length === 0) return [];
      const k = await keyFor('system');
      return rows.map((r) => opened(k, r));
    },
    async show(scope, isp, id) {
      const row = await repo.get(scope, isp, id);
      if (row === undefined) {
        throw new GatehouseError(
          'GH_ERR_SUBSCRIBER_NOT_FOUND',
          `no subscriber ${isp}/${id}${scope === null ? '' : ` for ISP "${scope}"`}`,
        );
      }
      return opened(await keyFor('system'), row);
    },
    disconnects: (scope, filter) => repo.disconnects(scope, filter),
  };
}
