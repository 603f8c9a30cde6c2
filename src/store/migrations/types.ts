/** What a migration is: a numbered, named step run in its own transaction. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';

/** One schema step. `up` runs inside a transaction; it must use DDL that PostgreSQL and SQLite both run. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void>;
}
