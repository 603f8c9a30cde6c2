/**
 * The warrant workflow as the CLI and the control plane's /api/warrants use it: validation, role
 * checks, the scoped query, exports and the transparency counts, over the store's WarrantRepository
 * (which enforces the two-person rule and audits every act and every read of results).
 *
 * Roles (contract): requesting, executing and notifying need `operator` or `admin`; approving,
 * refusing and reviewing need `approver` (the judge), who must not be the requester; results may be
 * read by `operator`, `admin` or `approver`; listings also by `auditor`. The counts are public.
 */
import { join } from 'node:path';
import type { AccessConfig } from '../config/schema.js';
import { GatehouseError } from '../core/errors.js';
import type { EpochKeyStore } from '../records/epoch-keys.js';
import { postgresEpochKeys } from '../records/epoch-keys-postgres.js';
import { EPOCH_MS } from '../records/pseudonym-lookup.js';
import { recordsDbPath } from '../records/sinks/sqlite.js';
import type { Role, Store } from '../store/types.js';
import { type ResultsFormat, resultsCsv, resultsJson, resultsSha256 } from './export.js';
import { queryScopedRecords } from './records.js';
import type { Warrant, WarrantFilter, WarrantMonth } from './types.js';
import { validateWarrantInput } from './validate.js';

/** Who acts, with the roles the caller (session, token, CLI) vouches for. */
export interface Actor {
  readonly name: string;
  readonly roles: readonly Role[];
}

/** What the service needs. */
export interface WarrantServiceOptions {
  readonly store: Store;
  readonly access: AccessConfig;
  /** The data directory: records database and epoch keys live under it. */
  readonly dataDir: string;
  /** The records database; defaults to `recordsDbPath(dataDir)`. */
  readonly recordsPath?: string;
  /** The records database on PostgreSQL (`records.store` as a URL); replaces `recordsPath`. */
  readonly recordsUrl?: string;
  /**
   * The epoch keys past pseudonyms are computed from. Default: the shared table in the PostgreSQL
   * records database when `recordsUrl` is set (opened for each execution), else the key files in
   * `dataDir`, i.e. wherever the nodes that wrote the records keep them.
   */
  readonly keys?: EpochKeyStore;
  /** Pseudonym epoch length (must match the gateway's); a day by default. */
  readonly epochMs?: number;
  readonly clock?: () => number;
}

/** An export, ready to send or write. */
export interface ResultsExport {
  readonly contentType: string;
  readonly body: string;
  readonly count: number;
  readonly sha256: string | null;
}

/** The workflow. Every method throws GatehouseError (GH_ERR_WARRANT_*) when it refuses. */
export interface WarrantService {
  request(actor: Actor, raw: unknown): Promise<Warrant>;
  list(actor: Actor, filter?: WarrantFilter): Promise<Warrant[]>;
  show(actor: Actor, id: number): Promise<Warrant>;
  approve(actor: Actor, id: number, reason?: string | null): Promise<Warrant>;
  refuse(actor: Actor, id: number, reason: string): Promise<Warrant>;
  /** Reviews an urgent warrant executed before approval. */
  review(actor: Actor, id: number, outcome: 'approved' | 'refused', reason?: string | null): Promise<Warrant>;
  execute(actor: Actor, id: number): Promise<Warrant>;
  results(actor: Actor, id: number, format: ResultsFormat): Promise<ResultsExport>;
  notifications(actor: Actor, options?: { readonly overdue?: boolean }): Promise<Warrant[]>;
  notified(actor: Actor, id: number, note?: string | null): Promise<Warrant>;
  /** Counts per month for the transparency report (no actor: they are public). */
  stats(): Promise<WarrantMonth[]>;
}

const ROLES = {
  request: ['operator', 'admin'],
  decide: ['approver'],
  execute: ['operator', 'admin'],
  results: ['operator', 'admin', 'approver'],
  read: ['operator', 'admin', 'approver', 'auditor'],
  notify: ['operator', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

function allow(actor: Actor, act: keyof typeof ROLES): string {
  const needed: readonly Role[] = ROLES[act];
  if (!actor.roles.some((r) => needed.includes(r))) {
    throw new GatehouseError(
      'GH_ERR_WARRANT_ROLE',
      `${act} a warrant needs the role ${needed.join(' or ')}; ${actor.name} has ${actor.roles.join(', ') || 'none'}`,
    );
  }
  return actor.name;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Builds the warrant service over a store. */
export function createWarrantService(o: WarrantServiceOptions): WarrantService {
  const { store, access } = o;
  const clock = o.clock ?? Date.now;
  const warrants = store.warrants;
  const scope = {
    dbPath: o.recordsPath ?? recordsDbPath(o.dataDir),
    ...(o.recordsUrl === undefined ? {} : { url: o.recordsUrl }),
    keyDir: join(o.dataDir, 'keys', 'pseudonym'),
    epochMs: o.epochMs ?? EPOCH_MS,
    maxResults: access.maxResults,
  };
  const withKeys = async <T>(use: (keys: EpochKeyStore | undefined) => Promise<T>): Promise<T> => {
    if (o.keys !== undefined || o.recordsUrl === undefined) return use(o.keys);
    const shared = postgresEpochKeys(o.recordsUrl);
    try {
      return await use(shared);
    } finally {
      await shared.close().catch(() => {});
    }
  };
  return {
    request: async (actor, raw) => {
      const by = allow(actor, 'request');
      const now = clock();
      const input = validateWarrantInput(raw, { ...access, now });
      return warrants.request(input, by, now);
    },
    async list(actor, filter) {
      allow(actor, 'read');
      await warrants.sealOverdue(clock());
      return warrants.list(filter);
    },
    async show(actor, id) {
      allow(actor, 'read');
      await warrants.sealOverdue(clock());
      return warrants.require(id);
    },
    approve: async (actor, id, reason = null) =>
      warrants.approve(id, allow(actor, 'decide'), clock(), reason),
    refuse: async (actor, id, reason) => warrants.refuse(id, allow(actor, 'decide'), reason, clock()),
    async review(actor, id, outcome, reason = null) {
      const by = allow(actor, 'decide');
      const w = await warrants.require(id);
      if (w.status !== 'executed' || w.decision !== null) {
        throw new GatehouseError(
          'GH_ERR_WARRANT_STATE',
          `warrant ${id} is not an urgent execution awaiting review`,
        );
      }
      return outcome === 'approved'
        ? warrants.approve(id, by, clock(), reason)
        : warrants.refuse(id, by, reason ?? '', clock());
    },
    async execute(actor, id) {
      const by = allow(actor, 'execute');
      const w = await warrants.require(id);
      // Checked again (atomically) by the repository; this only spares a query that would be refused.
      if (w.status !== 'approved' && !(w.status === 'requested' && w.urgency === 'urgent')) {
        throw new GatehouseError('GH_ERR_WARRANT_STATE', `warrant ${id} is ${w.status}; cannot execute`);
      }
      const found = await withKeys((keys) =>
        queryScopedRecords(w.target, w.from, w.to, keys ? { ...scope, keys } : scope),
      );
      const now = clock();
      const result = { ...found, sha256: resultsSha256(found.records) };
      const due = {
        reviewDue: now + access.urgentReviewHours * HOUR,
        notifyDue: now + access.notificationDeferralDays * DAY,
      };
      return warrants.execute(id, by, now, result, due);
    },
    async results(actor, id, format) {
      const by = allow(actor, 'results');
      if (format !== 'json' && format !== 'csv') {
        throw new GatehouseError(
          'GH_ERR_EXPORT_FORMAT',
          `warrant results: expected json or csv, got "${format}"`,
        );
      }
      const records = await warrants.results(id, by, clock(), `export ${format}`);
      const w = await warrants.require(id);
      const body = format === 'csv' ? resultsCsv(records) : resultsJson(w, records);
      const contentType = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
      return { contentType, body, count: records.length, sha256: w.resultSha256 };
    },
    notifications: async (actor, options = {}) => {
      allow(actor, 'read');
      return warrants.pendingNotifications(options.overdue ? clock() : undefined);
    },
    notified: async (actor, id, note = null) =>
      warrants.markNotified(id, allow(actor, 'notify'), clock(), note),
    stats: () => warrants.stats(),
  };
}
