/**
 * The migration runner. Each pending migration runs in its own transaction together with the row that
 * records it in `schema_version`, so a failing migration leaves the store at the previous version
 * (both SQLite and PostgreSQL have transactional DDL).
 */
import { type Kysely, sql } from 'kysely';
import { GatehouseError } from '../core/errors.js';
import type { Migration } from './migrations/types.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './types.js';

/** The version the store is at: the highest migration applied, or 0 for an empty store. */
export async function currentVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('schema_version')
    .select(sql<number | string | null>`max(version)`.as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/**
 * Applies the migrations newer than the store's version, in order, each in a transaction.
 * Returns the version reached. Throws GH_ERR_STORE_MIGRATION, naming the failed migration and the
 * version the store was left at, or when the store is newer than this build.
 */
export async function migrate(
  db: Kysely<Database>,
  migrations: readonly Migration[],
  dialect: StoreDialect,
  now: () => number = Date.now,
): Promise<number> {
  // Versions ascend but may have gaps: each area owns its number (003 warrants … 007 retention) and
  // they land in any order, so what is pending is every known version not yet applied.
  migrations.forEach((m, i) => {
    if (i > 0 && m.version <= migrations[i - 1].version)
      throw new Error(
        `migration "${m.name}" is numbered ${m.version}, not above ${migrations[i - 1].version}`,
      );
  });
  await db.schema
    .createTable('schema_version')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  let version = await currentVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (version > latest) {
    throw new GatehouseError(
      'GH_ERR_STORE_MIGRATION',
      `store is at schema version ${version}, newer than this build knows (${latest}); upgrade gatehouse`,
    );
  }
  const applied = new Set(
    (await db.selectFrom('schema_version').select('version').execute()).map((r) => Number(r.version)),
  );
  for (const m of migrations.filter((x) => !applied.has(x.version))) {
    try {
      await db.transaction().execute(async (trx) => {
        await m.up(trx as unknown as Kysely<unknown>, dialect);
        await trx
          .insertInto('schema_version')
          .values({ version: m.version, name: m.name, applied_at: now() })
          .execute();
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new GatehouseError(
        'GH_ERR_STORE_MIGRATION',
        `migrating store to version ${m.version} ("${m.name}"): ${why}; left at version ${version}`,
        [],
        { cause: err },
      );
    }
    version = Math.max(version, m.version);
  }
  return version;
}
