/**
 * Version 5: control-plane accounts (issue 6). Who may sign in, with which roles, how they prove it
 * (scrypt password, TOTP, single-use recovery codes), their sessions and API tokens.
 *
 * Secrets are never stored as given: passwords as scrypt hashes with their salt and parameters,
 * session ids, API tokens and recovery codes as SHA-256 (they are 32 random bytes: a fast hash
 * suffices). The TOTP secret must be read back to check codes, so it is stored as is; the store's
 * file permissions and backups protect it like the audit signing key.
 */
import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { StoreDialect } from '../types.js';
import type { Migration } from './types.js';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

async function up(db: Kysely<unknown>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // JSON array of roles, e.g. ["operator"].
    .addColumn('roles', 'text', required)
    .addColumn('isp', 'text')
    // `scrypt$N$r$p$salt$hash` (base64url), see control/password.ts.
    .addColumn('password_hash', 'text', required)
    .addColumn('must_change_password', 'integer', required)
    .addColumn('totp_secret', 'text')
    // Set by enrolment until confirmed with a first code.
    .addColumn('totp_pending', 'text')
    // The last accepted TOTP time step: the same step is never accepted twice (RFC 6238 §5.2).
    .addColumn('totp_last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', required)
    .addColumn('created_by', 'text', required)
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema
    .createTable('account_recovery_codes')
    .addColumn('name', 'text', required)
    .addColumn('code_hash', 'text', required)
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('account_recovery_codes_pk', ['name', 'code_hash'])
    .execute();
  await db.schema
    .createTable('account_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', required)
    .addColumn('created_at', 'bigint', required)
    .addColumn('last_seen_at', 'bigint', required)
    .addColumn('expires_at', 'bigint', required)
    .execute();
  await db.schema.createIndex('account_sessions_name').on('account_sessions').column('name').execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', required)
    .addColumn('label', 'text', required)
    .addColumn('role', 'text', required)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', required)
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
}

/** Migration 5. */
export const accounts: Migration = { version: 5, name: 'accounts', up };
