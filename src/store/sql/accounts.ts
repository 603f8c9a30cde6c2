/**
 * Control-plane accounts over Kysely (portable SQL, migration 5): accounts, recovery codes, sessions
 * and API tokens. Acts by a person append their audit entry in the same transaction (as audit/acts.ts
 * does for orders and lists); bookkeeping (session touch, last-used) is not audited.
 */
import type { Kysely } from 'kysely';
import { GatehouseError } from '../../core/errors.js';
import { normaliseUserName } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import type { Account, AccountRepository, AccountSecrets, AccountSession, ApiToken, Role } from '../types.js';
import {
  type AccountRow,
  type AccountTables,
  notFound,
  type TokenRow,
  toAccount,
  toSecrets,
  toToken,
} from './account-rows.js';
import { retryConflicts, type SqlAudit } from './audit.js';
import { isUniqueViolation } from './lists.js';
import { ensureUser } from './users.js';

type Db = Kysely<Database & AccountTables>;

/** The account repository. */
export class SqlAccounts implements AccountRepository {
  readonly #db: Db;
  readonly #audit: SqlAudit;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, audit: SqlAudit, clock: () => number) {
    this.#db = db.withTables<AccountTables>();
    this.#audit = audit;
    this.#clock = clock;
  }

  /** Runs `work` and its audit entry in one transaction, again when the audit chain moved under it. */
  #audited<T>(
    actor: string,
    action: string,
    object: string,
    work: (trx: Db) => Promise<[T, Record<string, unknown>]>,
  ): Promise<T> {
    return retryConflicts(() =>
      this.#db.transaction().execute(async (trx) => {
        const by = await ensureUser(trx as unknown as Kysely<Database>, actor, this.#clock());
        const [result, details] = await work(trx);
        await this.#audit.append({ actor: by, action, object, details }, trx as unknown as Kysely<Database>);
        return result;
      }),
    );
  }

  create(
    input: { name: string; roles: readonly Role[]; isp: string | null; passwordHash: string },
    actor: string,
  ): Promise<Account> {
    const name = normaliseUserName(input.name);
    const details = { roles: [...input.roles], isp: input.isp };
    return this.#audited(actor, 'account.create', `account/${name}`, async (trx) => {
      await ensureUser(trx as unknown as Kysely<Database>, name, this.#clock());
      const row: AccountRow = {
        name,
        roles: JSON.stringify(input.roles),
        isp: input.isp,
        password_hash: input.passwordHash,
        must_change_password: 1,
        totp_secret: null,
        totp_pending: null,
        totp_last_step: 0,
        created_at: this.#clock(),
        created_by: normaliseUserName(actor),
        deleted_at: null,
      };
      try {
        await trx.insertInto('accounts').values(row).execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        throw new GatehouseError('GH_ERR_ACCOUNT_EXISTS', `creating account "${name}": the name is taken`);
      }
      return [toAccount(row), details];
    });
  }

  async secrets(name: string): Promise<AccountSecrets | undefined> {
    let normal: string;
    try {
      normal = normaliseUserName(name);
    } catch {
      return undefined;
    }
    const row = await this.#db
      .selectFrom('accounts')
      .selectAll()
      .where('name', '=', normal)
      .executeTakeFirst();
    return row && toSecrets(row);
  }

  async get(name: string): Promise<Account | undefined> {
    const s = await this.secrets(name);
    if (s === undefined) return undefined;
    const { passwordHash: _p, totpSecret: _s, totpPending: _t, totpLastStep: _l, ...account } = s;
    return account;
  }

  async list(): Promise<Account[]> {
    const rows = await this.#db.selectFrom('accounts').selectAll().orderBy('name').execute();
    return rows.map(toAccount);
  }

  async countWithRole(role: Role): Promise<number> {
    return (await this.list()).filter((a) => a.roles.includes(role)).length;
  }

  remove(name: string, actor: string): Promise<void> {
    const normal = normaliseUserName(name);
    return this.#audited(actor, 'account.delete', `account/${normal}`, async (trx) => {
      const gone = await trx.deleteFrom('accounts').where('name', '=', normal).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw notFound(`deleting account "${normal}"`);
      await trx.deleteFrom('account_sessions').where('name', '=', normal).execute();
      await trx.deleteFrom('account_recovery_codes').where('name', '=', normal).execute();
      await trx
        .updateTable('api_tokens')
        .set({ revoked_at: this.#clock() })
        .where('name', '=', normal)
        .where('revoked_at', 'is', null)
        .execute();
      return [undefined, {}];
    });
  }

  setPassword(
    name: string,
    passwordHash: string,
    mustChange: boolean,
    actor: string,
    keepSession?: string,
  ): Promise<void> {
    const normal = normaliseUserName(name);
    return this.#audited(actor, 'account.password', `account/${normal}`, async (trx) => {
      const done = await trx
        .updateTable('accounts')
        .set({ password_hash: passwordHash, must_change_password: mustChange ? 1 : 0 })
        .where('name', '=', normal)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw notFound(`setting the password of "${normal}"`);
      let end = trx.deleteFrom('account_sessions').where('name', '=', normal);
      if (keepSession !== undefined) end = end.where('id_hash', '!=', keepSession);
      await end.execute();
      return [undefined, { oneTime: mustChange }];
    });
  }

  async startTotp(name: string, secret: string): Promise<void> {
    await this.#db
      .updateTable('accounts')
      .set({ totp_pending: secret })
      .where('name', '=', normaliseUserName(name))
      .execute();
  }

  confirmTotp(name: string, step: number, recoveryHashes: readonly string[]): Promise<void> {
    const normal = normaliseUserName(name);
    return this.#audited(normal, 'account.mfa-enrol', `account/${normal}`, async (trx) => {
      const row = await trx.selectFrom('accounts').selectAll().where('name', '=', normal).executeTakeFirst();
      if (!row?.totp_pending) throw new GatehouseError('GH_ERR_AUTH_TOTP', 'no TOTP enrolment was started');
      await trx
        .updateTable('accounts')
        .set({ totp_secret: row.totp_pending, totp_pending: null, totp_last_step: step })
        .where('name', '=', normal)
        .execute();
      await trx.deleteFrom('account_recovery_codes').where('name', '=', normal).execute();
      for (const code_hash of recoveryHashes) {
        await trx
          .insertInto('account_recovery_codes')
          .values({ name: normal, code_hash, used_at: null })
          .execute();
      }
      return [undefined, { recoveryCodes: recoveryHashes.length }];
    });
  }

  async spendTotpStep(name: string, step: number): Promise<boolean> {
    // Compare-and-set: of two requests with the same code, only one moves the step (RFC 6238 §5.2).
    const done = await this.#db
      .updateTable('accounts')
      .set({ totp_last_step: step })
      .where('name', '=', normaliseUserName(name))
      .where('totp_last_step', '<', step)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  spendRecoveryCode(name: string, codeHash: string): Promise<boolean> {
    const normal = normaliseUserName(name);
    return this.#audited(normal, 'account.recovery-code', `account/${normal}`, async (trx) => {
      const done = await trx
        .updateTable('account_recovery_codes')
        .set({ used_at: this.#clock() })
        .where('name', '=', normal)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw new GatehouseError('GH_ERR_AUTH_FAILED', 'recovery code');
      return [true, {}];
    }).catch((err) => {
      if (err instanceof GatehouseError && err.code === 'GH_ERR_AUTH_FAILED') return false;
      throw err;
    });
  }

  async createSession(idHash: string, name: string, expiresAt: number): Promise<void> {
    const now = this.#clock();
    await this.#db
      .insertInto('account_sessions')
      .values({
        id_hash: idHash,
        name: normaliseUserName(name),
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
  }

  async session(idHash: string): Promise<AccountSession | undefined> {
    const r = await this.#db
      .selectFrom('account_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return (
      r && {
        name: r.name,
        createdAt: Number(r.created_at),
        lastSeenAt: Number(r.last_seen_at),
        expiresAt: Number(r.expires_at),
      }
    );
  }

  async touchSession(idHash: string, at: number): Promise<void> {
    await this.#db
      .updateTable('account_sessions')
      .set({ last_seen_at: at })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async endSession(idHash: string): Promise<void> {
    await this.#db.deleteFrom('account_sessions').where('id_hash', '=', idHash).execute();
  }

  createToken(input: {
    id: string;
    name: string;
    label: string;
    role: Role;
    tokenHash: string;
  }): Promise<ApiToken> {
    const name = normaliseUserName(input.name);
    const details = { label: input.label, role: input.role };
    return this.#audited(name, 'token.create', `token/${input.id}`, async (trx) => {
      const row: TokenRow = {
        id: input.id,
        name,
        label: input.label,
        role: input.role,
        token_hash: input.tokenHash,
        created_at: this.#clock(),
        last_used_at: null,
        revoked_at: null,
      };
      await trx.insertInto('api_tokens').values(row).execute();
      return [toToken(row), details];
    });
  }

  async tokenByHash(tokenHash: string): Promise<ApiToken | undefined> {
    const r = await this.#db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r && toToken(r);
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async tokens(name?: string): Promise<ApiToken[]> {
    let q = this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (name !== undefined) q = q.where('name', '=', normaliseUserName(name));
    return (await q.execute()).map(toToken);
  }

  revokeToken(id: string, actor: string): Promise<ApiToken> {
    return this.#audited(actor, 'token.revoke', `token/${id}`, async (trx) => {
      const at = this.#clock();
      const done = await trx
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) throw notFound(`revoking token "${id}"`);
      const row = await trx
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return [toToken(row), {}];
    });
  }
}
