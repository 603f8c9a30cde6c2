/** The rows of migration 5 (accounts) and their mapping to the store's types. */
import { GatehouseError } from '../../core/errors.js';
import type { Account, AccountSecrets, ApiToken, Role } from '../types.js';

/** The tables of migration 5, declared here so accounts stay one self-contained addition. */
export type AccountTables = {
  accounts: {
    name: string;
    roles: string;
    isp: string | null;
    password_hash: string;
    must_change_password: number;
    totp_secret: string | null;
    totp_pending: string | null;
    totp_last_step: number;
    created_at: number;
    created_by: string;
    deleted_at: number | null;
  };
  account_recovery_codes: { name: string; code_hash: string; used_at: number | null };
  account_sessions: {
    id_hash: string;
    name: string;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
  };
  api_tokens: {
    id: string;
    name: string;
    label: string;
    role: string;
    token_hash: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
};

export type AccountRow = AccountTables['accounts'];
export type TokenRow = AccountTables['api_tokens'];

const num = (v: number | null) => (v === null ? null : Number(v));

export const toSecrets = (r: AccountRow): AccountSecrets => ({
  name: r.name,
  roles: JSON.parse(r.roles) as Role[],
  isp: r.isp,
  mustChangePassword: Number(r.must_change_password) === 1,
  totpEnrolled: r.totp_secret !== null,
  createdAt: Number(r.created_at),
  createdBy: r.created_by,
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  totpPending: r.totp_pending,
  totpLastStep: Number(r.totp_last_step),
});

export const toAccount = (r: AccountRow): Account => {
  const { passwordHash: _p, totpSecret: _s, totpPending: _t, totpLastStep: _l, ...account } = toSecrets(r);
  return account;
};

export const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  name: r.name,
  label: r.label,
  role: r.role as Role,
  createdAt: Number(r.created_at),
  lastUsedAt: num(r.last_used_at),
  revokedAt: num(r.revoked_at),
});

export const notFound = (what: string) =>
  new GatehouseError('GH_ERR_ACCOUNT_NOT_FOUND', `${what}: not found`);
