/** Lists and their immutable, versioned bodies over Kysely (portable SQL). */
import type { Kysely } from 'kysely';
import { GatehouseError } from '../../core/errors.js';
import { decodeLines, encodeBody, parseLines } from '../list-body.js';
import type { Database, ListsTable, ListVersionsTable } from '../schema.js';
import type {
  ListDiff,
  ListInfo,
  ListRepository,
  ListVersion,
  ListVersionInfo,
  ListVersionInput,
} from '../types.js';
import { hasRowLocks } from './dialect.js';
import { ensureUser } from './users.js';

type ListRow = Omit<ListsTable, 'id'> & { id: number };
type VersionRow = Omit<ListVersionsTable, 'body'>;

const INFO_COLUMNS = [
  'list_id',
  'version',
  'created_at',
  'created_by',
  'source_name',
  'format',
  'rule_count',
  'sha256',
  'stats',
] as const;

const toList = (row: ListRow): ListInfo => ({
  id: Number(row.id),
  name: row.name,
  format: row.format,
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
});

const toVersion = (row: VersionRow): ListVersionInfo => ({
  listId: Number(row.list_id),
  version: Number(row.version),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  sourceName: row.source_name,
  format: row.format,
  ruleCount: Number(row.rule_count),
  sha256: row.sha256,
  stats: JSON.parse(row.stats) as Record<string, unknown>,
});

/** True for a unique-constraint violation on SQLite or PostgreSQL (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

function nonEmpty(value: string, what: string): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed === '')
    throw new GatehouseError('GH_ERR_LIST_INVALID', `creating list: ${what} is required, got "${value}"`);
  return trimmed;
}

/** The list repository. */
export class SqlLists implements ListRepository {
  readonly #db: Kysely<Database>;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, clock: () => number) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(input: { readonly name: string; readonly format: string }, actor: string): Promise<ListInfo> {
    const name = nonEmpty(input.name, 'a name');
    const format = nonEmpty(input.format, 'a format');
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const now = this.#clock();
        const createdBy = await ensureUser(trx, actor, now);
        const row = await trx
          .insertInto('lists')
          .values({ name, format, created_by: createdBy, created_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toList(row);
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new GatehouseError(
        'GH_ERR_LIST_EXISTS',
        `creating list "${name}": a list with that name exists`,
        [],
        {
          cause: err,
        },
      );
    }
  }

  async get(id: number): Promise<ListInfo | undefined> {
    const row = await this.#db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toList(row);
  }

  async byName(name: string): Promise<ListInfo | undefined> {
    const row = await this.#db
      .selectFrom('lists')
      .selectAll()
      .where('name', '=', name.trim())
      .executeTakeFirst();
    return row && toList(row);
  }

  async all(): Promise<ListInfo[]> {
    return (await this.#db.selectFrom('lists').selectAll().orderBy('id').execute()).map(toList);
  }

  async addVersion(listId: number, input: ListVersionInput, actor: string): Promise<ListVersionInfo> {
    // Format, hash and compress before the transaction: the write lock is held only for the insert.
    const encoded = await encodeBody(input.rules);
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock();
      const createdBy = await ensureUser(trx, actor, now);
      // SQLite: the write lock taken by ensureUser serialises this read-then-insert. PostgreSQL (READ
      // COMMITTED): the list row lock does; the next statement then sees the other import's version.
      const list = await trx
        .selectFrom('lists')
        .selectAll()
        .where('id', '=', listId)
        .$if(hasRowLocks(trx), (q) => q.forUpdate())
        .executeTakeFirst();
      if (list === undefined) throw notFound(`list ${listId} not found`);
      const last = await trx
        .selectFrom('list_versions')
        .select('version')
        .where('list_id', '=', listId)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      const row: ListVersionsTable = {
        list_id: listId,
        version: Number(last?.version ?? 0) + 1,
        created_at: now,
        created_by: createdBy,
        source_name: input.sourceName ?? null,
        format: input.format ?? list.format,
        rule_count: encoded.ruleCount,
        sha256: encoded.sha256,
        stats: JSON.stringify(input.stats ?? {}),
        body: encoded.body,
      };
      await trx.insertInto('list_versions').values(row).execute();
      return toVersion(row);
    });
  }

  async getVersion(listId: number, version?: number): Promise<ListVersion> {
    const { info, lines } = await this.#load(listId, version);
    return { info, rules: parseLines(lines, `list ${listId} version ${info.version}`) };
  }

  async lines(listId: number, version?: number): Promise<string[]> {
    return (await this.#load(listId, version)).lines;
  }

  async versions(listId: number): Promise<ListVersionInfo[]> {
    if ((await this.get(listId)) === undefined) throw notFound(`list ${listId} not found`);
    const rows = await this.#db
      .selectFrom('list_versions')
      .select(INFO_COLUMNS)
      .where('list_id', '=', listId)
      .orderBy('version')
      .execute();
    return rows.map(toVersion);
  }

  async diff(listId: number, a: number, b: number): Promise<ListDiff> {
    const [before, after] = await Promise.all([this.lines(listId, a), this.lines(listId, b)]);
    const old = new Set(before);
    const now = new Set(after);
    return {
      added: after.filter((line) => !old.has(line)).sort(),
      removed: before.filter((line) => !now.has(line)).sort(),
    };
  }

  async #load(listId: number, version?: number): Promise<{ info: ListVersionInfo; lines: string[] }> {
    let query = this.#db.selectFrom('list_versions').selectAll().where('list_id', '=', listId);
    query =
      version === undefined
        ? query.orderBy('version', 'desc').limit(1)
        : query.where('version', '=', version);
    const row = await query.executeTakeFirst();
    if (row === undefined) {
      const exists = (await this.get(listId)) !== undefined;
      const which = version === undefined ? 'no versions yet' : `no version ${version}`;
      throw notFound(exists ? `list ${listId} has ${which}` : `list ${listId} not found`);
    }
    const info = toVersion(row);
    return { info, lines: await decodeLines(row.body, row.sha256, `list ${listId} version ${info.version}`) };
  }
}

function notFound(message: string): GatehouseError {
  return new GatehouseError('GH_ERR_LIST_NOT_FOUND', message);
}
