/** Users over Kysely (portable SQL): created on first use, names normalised for the two-person rule. */
import type { Kysely } from 'kysely';
import { normaliseUserName } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import type { User, UserRepository } from '../types.js';

/**
 * Makes sure `name` exists as a user (inside the caller's transaction) and returns its normalised form.
 * `INSERT … ON CONFLICT DO NOTHING` runs on SQLite ≥ 3.24 and PostgreSQL ≥ 9.5. Every write transaction
 * calls this first: on SQLite the insert takes the write lock before anything is read, so WAL never
 * fails the transaction with SQLITE_BUSY_SNAPSHOT and busy_timeout applies.
 */
export async function ensureUser(db: Kysely<Database>, name: string, now: number): Promise<string> {
  const normal = normaliseUserName(name);
  await db
    .insertInto('users')
    .values({ name: normal, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return normal;
}

const toUser = (row: { name: string; created_at: number }): User => ({
  name: row.name,
  createdAt: Number(row.created_at),
});

/** The user repository. */
export class SqlUsers implements UserRepository {
  readonly #db: Kysely<Database>;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, clock: () => number) {
    this.#db = db;
    this.#clock = clock;
  }

  async ensure(name: string): Promise<User> {
    const normal = await ensureUser(this.#db, name, this.#clock());
    return (await this.get(normal))!;
  }

  async get(name: string): Promise<User | undefined> {
    let normal: string;
    try {
      normal = normaliseUserName(name);
    } catch {
      return undefined;
    }
    const row = await this.#db.selectFrom('users').selectAll().where('name', '=', normal).executeTakeFirst();
    return row && toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.#db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toUser);
  }
}
