/**
 * The audit log over Kysely (portable SQL), and the units of work that tie each audited act to its
 * entry in one transaction.
 *
 * Appending reads the head and inserts the next entry in one transaction. `seq` is the primary key,
 * so of two writers that read the same head only one insert succeeds; the other fails with a unique
 * violation (PostgreSQL) or SQLITE_BUSY(_SNAPSHOT) (SQLite, another connection took the write lock
 * after this one read), becomes GH_ERR_AUDIT_CONFLICT, and the whole transaction is run again. Inside
 * a unit the act has written before the append, so on SQLite the write lock is already held and the
 * append cannot lose; on PostgreSQL the unit is retried whole, act included.
 *
 * No SQLite-only or PostgreSQL-only SQL here: the same code runs on both (the contract suite).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { RunUnit } from '../../audit/acts.js';
import { GENESIS_HASH, hashAuditRecord } from '../../audit/hash.js';
import { normaliseAuditInput } from '../../audit/input.js';
import type {
  AuditEntry,
  AuditHead,
  AuditInput,
  AuditQuery,
  AuditRecord,
  VerifyOptions,
  VerifyResult,
} from '../../audit/types.js';
import { verifyChain } from '../../audit/verify.js';
import { GatehouseError, isGatehouseError } from '../../core/errors.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import type { AuditRepository } from '../types.js';
import { isUniqueViolation, SqlLists } from './lists.js';
import { SqlOrders } from './orders.js';
import { SqlUsers } from './users.js';

/** The `audit_log` table (migration 2). Declared here so the audit log stays one self-contained addition. */
export interface AuditLogTable {
  seq: number;
  time: number;
  actor: string;
  action: string;
  object: string;
  details: string;
  prev: string;
  hash: string;
}

type AuditDb = Database & { audit_log: AuditLogTable };

/** How often a transaction that lost the race for the next seq is run again. */
export const MAX_APPEND_ATTEMPTS = 25;
const MAX_PAGE = 10_000;

const invalid = (message: string) => new GatehouseError('GH_ERR_AUDIT_INVALID', message);

/** PostgreSQL returns bigint as text: every integer goes through `Number()`. */
const toRecord = (row: AuditLogTable): AuditRecord => ({
  seq: Number(row.seq),
  time: Number(row.time),
  actor: row.actor,
  action: row.action,
  object: row.object,
  details: row.details,
  prev: row.prev,
  hash: row.hash,
});

const toEntry = (record: AuditRecord): AuditEntry => ({
  ...record,
  details: JSON.parse(record.details) as Record<string, unknown>,
});

const codeOf = (err: unknown) => String((err as { code?: unknown } | null)?.code);
/** PostgreSQL: serialization failure, deadlock detected. The transaction is void; run it again. */
const PG_RETRY = ['40001', '40P01'];
/** SQLite: the write lock is taken, or this snapshot is stale (another writer committed since it read). */
const SQLITE_RETRY = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT'];

/** True when inserting the next entry failed because another writer got there first. */
function lostRace(err: unknown): boolean {
  return isUniqueViolation(err) || [...PG_RETRY, ...SQLITE_RETRY].includes(codeOf(err));
}

const conflict = (what: string, err: unknown) =>
  new GatehouseError('GH_ERR_AUDIT_CONFLICT', `${what}: lost a race with another writer`, [], { cause: err });

/** Runs `work` again (after a short random pause) while it fails with GH_ERR_AUDIT_CONFLICT. */
export async function retryConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isGatehouseError(err, 'GH_ERR_AUDIT_CONFLICT')) throw err;
      if (attempt >= MAX_APPEND_ATTEMPTS) {
        throw new GatehouseError(
          'GH_ERR_AUDIT_CONFLICT',
          `${err.message}; gave up after ${attempt} attempts`,
          [],
          {
            cause: err,
          },
        );
      }
      await sleep(Math.random() * Math.min(2 ** attempt, 50));
    }
  }
}

/** The audit repository. */
export class SqlAudit implements AuditRepository {
  readonly #db: Kysely<AuditDb>;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, clock: () => number) {
    this.#db = db.withTables<{ audit_log: AuditLogTable }>();
    this.#clock = clock;
  }

  async append(input: AuditInput, trx?: Kysely<Database>): Promise<AuditEntry> {
    const fields = normaliseAuditInput(input);
    if (trx !== undefined) return this.#appendIn(trx.withTables<{ audit_log: AuditLogTable }>(), fields);
    return retryConflicts(() => this.#db.transaction().execute((t) => this.#appendIn(t, fields)));
  }

  async #appendIn(db: Kysely<AuditDb>, fields: ReturnType<typeof normaliseAuditInput>): Promise<AuditEntry> {
    const last = await db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const seq = Number(last?.seq ?? 0) + 1;
    const unhashed = { seq, time: this.#clock(), ...fields, prev: last?.hash ?? GENESIS_HASH };
    const record: AuditRecord = { ...unhashed, hash: hashAuditRecord(unhashed) };
    try {
      await db.insertInto('audit_log').values(record).execute();
    } catch (err) {
      if (!lostRace(err)) throw err;
      throw conflict(`appending audit entry ${fields.action} ${fields.object} as seq ${seq}`, err);
    }
    return toEntry(record);
  }

  async entries(query: AuditQuery): Promise<AuditEntry[]> {
    const { limit } = query;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalid(`reading the audit log: limit must be 1 to ${MAX_PAGE}, got ${JSON.stringify(limit)}`);
    }
    let q = this.#db.selectFrom('audit_log').selectAll().orderBy('seq').limit(limit);
    if (query.from !== undefined) q = q.where('seq', '>=', query.from);
    if (query.to !== undefined) q = q.where('seq', '<=', query.to);
    if (query.actor !== undefined) q = q.where('actor', '=', normaliseUserName(query.actor));
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.object !== undefined) q = q.where('object', '=', query.object);
    return (await q.execute()).map((row) => toEntry(toRecord(row)));
  }

  async head(): Promise<AuditHead> {
    const row = await this.#db
      .selectFrom('audit_log')
      .select(['seq', 'hash', 'time'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return { seq: 0, hash: GENESIS_HASH, time: 0 };
    return { seq: Number(row.seq), hash: row.hash, time: Number(row.time) };
  }

  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const pageSize = options.pageSize ?? MAX_PAGE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw invalid(`verifying the audit log: page size must be a positive integer, got ${pageSize}`);
    }
    const db = this.#db;
    // Keyset pages, each its own short query: appends go on while a long verification runs.
    async function* pages(): AsyncGenerator<AuditRecord[]> {
      // No lower bound on the first page: a forged entry at seq 0 or below is reported, not skipped.
      for (let after: number | undefined; ; ) {
        let q = db.selectFrom('audit_log').selectAll().orderBy('seq').limit(pageSize);
        if (after !== undefined) q = q.where('seq', '>', after);
        const rows = (await q.execute()).map(toRecord);
        if (rows.length === 0) return;
        yield rows;
        after = rows[rows.length - 1].seq;
      }
    }
    const findSuccessor = async (hash: string, notSeq: number) => {
      const row = await db
        .selectFrom('audit_log')
        .select('seq')
        .where('prev', '=', hash)
        .where('seq', '!=', notSeq)
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.seq);
    };
    return verifyChain(pages(), { trusted: options.trusted, findSuccessor });
  }
}

/**
 * Kysely has no nested transactions: repository code that opens one on the returned handle (they all
 * do, to be atomic on their own) runs inside `trx` instead. The handle lives only as long as `trx`.
 */
function joined(trx: Transaction<Database>): Kysely<Database> {
  const join = {
    execute: <T>(work: (t: Transaction<Database>) => Promise<T>) => work(trx),
    // The outer transaction's isolation stands; asking for another inside it changes nothing.
    setIsolationLevel: () => join,
    setAccessMode: () => join,
  };
  return Object.assign(trx, { transaction: () => join }) as unknown as Kysely<Database>;
}

/** Inserts the user if new; a new user's `user.create` entry is queued on `pending`. */
async function ensureNewUser(trx: Kysely<Database>, name: string, at: number, pending: AuditInput[]) {
  const normal = normaliseUserName(name);
  const result = await trx
    .insertInto('users')
    .values({ name: normal, created_at: at })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) {
    pending.push({ actor: normal, action: 'user.create', object: `user/${normal}` });
  }
  return normal;
}

/**
 * Units of work over `db`: one transaction each, repositories and audit append bound to it. Entries
 * are inserted last in every unit (a new user's `user.create` waits for the act's own entry): on
 * PostgreSQL every writer then takes its row locks before the audit seq, so two units cannot deadlock
 * over a row and the seq. A deadlock or serialization failure from elsewhere is retried all the same.
 */
export function createUnitRunner(db: Kysely<Database>, audit: SqlAudit, clock: () => number): RunUnit {
  return (work) =>
    retryConflicts(() =>
      db.transaction().execute(async (t) => {
        const trx = joined(t);
        const pending: AuditInput[] = [];
        const flush = async () => {
          for (const input of pending.splice(0)) await audit.append(input, trx);
        };
        try {
          const result = await work({
            orders: new SqlOrders(trx, clock),
            lists: new SqlLists(trx, clock),
            users: new SqlUsers(trx, clock),
            ensureUser: (name, at) => ensureNewUser(trx, name, at ?? clock(), pending),
            append: async (input) => {
              await flush();
              return audit.append(input, trx);
            },
          });
          await flush();
          return result;
        } catch (err) {
          throw PG_RETRY.includes(codeOf(err)) ? conflict('running an audited act', err) : err;
        }
      }),
    );
}
