/**
 * The store contract: repositories for orders, lists and users. SQLite implements it today and
 * PostgreSQL will tomorrow; both must pass `contract.test-suite.ts`.
 *
 * Every method that changes state takes the acting user's name (`actor`), so the audit log can hook in
 * at one place per act. Users are created on first use. Times are milliseconds since the epoch.
 */
import type { Kysely } from 'kysely';
import type { WarrantRepository } from '../access/types.js';
import type {
  AuditEntry,
  AuditHead,
  AuditInput,
  AuditQuery,
  VerifyOptions,
  VerifyResult,
} from '../audit/types.js';
import type { SubscriberRepository } from '../identity/subscribers/repository.js';
import type { OrderChange, OrderInput } from '../policy/lifecycle.js';
import type { Order, OrderStatus, OrderWithRules, Rule } from '../policy/model.js';
import type { AppealRepository } from './appeals.js';
import type { Database } from './schema.js';

/** Which SQL engine a store runs on (migrations differ only in identity and binary column types). */
export type StoreDialect = 'sqlite' | 'postgres';

/** A person (or `system`) who acts on the store. */
export interface User {
  readonly name: string;
  readonly createdAt: number;
}

/** One recorded transition of an order; `from` is null for its creation. */
export interface StatusChange {
  readonly orderId: number;
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly actor: string;
  readonly at: number;
}

/** A list attached to an order; `version` null follows the latest version, a number pins one. */
export interface AttachedList {
  readonly orderId: number;
  readonly listId: number;
  readonly version: number | null;
  readonly attachedBy: string;
  readonly attachedAt: number;
}

/** Filter for `orders.list`. Expired orders (by status or by time) are left out unless asked for. */
export interface OrderFilter {
  readonly status?: OrderStatus | readonly OrderStatus[];
  readonly includeExpired?: boolean;
}

/** Orders, their targets, attached lists and status history. */
export interface OrderRepository {
  /** Saves a validated input (see `validateOrderInput`) as a new draft created by `actor`. */
  create(input: OrderInput, actor: string): Promise<Order>;
  /** The order, or undefined. */
  get(id: number): Promise<Order | undefined>;
  /** The order, or GH_ERR_ORDER_NOT_FOUND. */
  require(id: number): Promise<Order>;
  /** Orders by id, filtered. */
  list(filter?: OrderFilter): Promise<Order[]>;
  /** The order's own targets, canonical lines in their original order. */
  targets(id: number): Promise<string[]>;
  /**
   * Applies a lifecycle change with compare-and-set on `change.from` and records it in the history,
   * atomically. Throws GH_ERR_ORDER_STATE when the order has moved on (the losing side of a race).
   */
  apply(change: OrderChange): Promise<Order>;
  /** Every transition of the order, oldest first, beginning with its creation. */
  history(id: number): Promise<StatusChange[]>;
  /** Attaches a list (latest version, or a pinned one) to a draft order; re-attaching updates the pin. */
  attachList(orderId: number, listId: number, actor: string, version?: number | null): Promise<AttachedList>;
  /** The lists attached to an order. */
  lists(orderId: number): Promise<AttachedList[]>;
  /** Active orders not expired at `now` (including those not yet started) with their targets and attached lists' rules. */
  listActiveWithRules(now: number): Promise<OrderWithRules[]>;
  /**
   * A value that changes whenever anything compilation reads changes (an order's status, a list
   * version): the data plane polls it cheaply and recompiles only when it moves.
   */
  changeStamp(): Promise<string>;
}

/** A named list of rules, imported from a file in some format. */
export interface ListInfo {
  readonly id: number;
  readonly name: string;
  readonly format: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

/** One imported version of a list (metadata only). */
export interface ListVersionInfo {
  readonly listId: number;
  readonly version: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly sourceName: string | null;
  readonly format: string;
  /** Distinct canonical lines in the version. */
  readonly ruleCount: number;
  /** SHA-256 (hex) of the uncompressed body: the canonical lines joined by `\n`. */
  readonly sha256: string;
  /** What the importer reported (lines read, skipped, errors…). */
  readonly stats: Readonly<Record<string, unknown>>;
}

/** A list version with its rules, parsed. */
export interface ListVersion {
  readonly info: ListVersionInfo;
  readonly rules: readonly Rule[];
}

/** What a new version holds. Rules are stored in canonical syntax, duplicates dropped, order kept. */
export interface ListVersionInput {
  readonly rules: Iterable<Rule>;
  readonly sourceName?: string | null;
  /** Defaults to the list's format. */
  readonly format?: string;
  readonly stats?: Readonly<Record<string, unknown>>;
}

/** Canonical lines added and removed between two versions, sorted. */
export interface ListDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Named lists and their immutable versions. */
export interface ListRepository {
  /** Creates an empty list (no version yet). GH_ERR_LIST_EXISTS when the name is taken. */
  create(input: { readonly name: string; readonly format: string }, actor: string): Promise<ListInfo>;
  /** The list, or undefined. */
  get(id: number): Promise<ListInfo | undefined>;
  /** The list with that name, or undefined. */
  byName(name: string): Promise<ListInfo | undefined>;
  /** Every list, by id. */
  all(): Promise<ListInfo[]>;
  /** Saves the next version (1, 2, …); earlier versions stay readable. */
  addVersion(listId: number, input: ListVersionInput, actor: string): Promise<ListVersionInfo>;
  /** One version with its rules (the latest by default). GH_ERR_LIST_NOT_FOUND when missing. */
  getVersion(listId: number, version?: number): Promise<ListVersion>;
  /** The canonical lines of one version (the latest by default), without parsing them. */
  lines(listId: number, version?: number): Promise<string[]>;
  /** Every version's metadata, oldest first. */
  versions(listId: number): Promise<ListVersionInfo[]>;
  /** What changed from version `a` to version `b`. */
  diff(listId: number, a: number, b: number): Promise<ListDiff>;
}

/** Users, created on first use. */
export interface UserRepository {
  /** Returns the user with that (normalised) name, creating it if needed. */
  ensure(name: string): Promise<User>;
  /** The user, or undefined. */
  get(name: string): Promise<User | undefined>;
  /** Every user, by name. */
  list(): Promise<User[]>;
}

/**
 * The append-only, hash-chained audit log (see `src/audit/`, `docs/audit.md`). Every state change the
 * other repositories make appends its entry in the same transaction.
 */
export interface AuditRepository {
  /**
   * Appends an entry: in `trx` when given (the caller's transaction, so act and entry commit together),
   * else in a transaction of its own. GH_ERR_AUDIT_INVALID for a malformed entry.
   */
  append(input: AuditInput, trx?: Kysely<Database>): Promise<AuditEntry>;
  /** Entries matching `query`, ascending by seq. */
  entries(query: AuditQuery): Promise<AuditEntry[]>;
  /** The last entry's seq, hash and time (seq 0 and 64 zeros when empty). */
  head(): Promise<AuditHead>;
  /** Walks the whole chain in pages and reports the first broken entry. */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
}

/** A control-plane role (contract: admin, operator, approver the judge, isp bound to one ISP, auditor). */
export type Role = 'admin' | 'operator' | 'approver' | 'isp' | 'auditor';

/** A control-plane account, without its secrets. */
export interface Account {
  readonly name: string;
  readonly roles: readonly Role[];
  /** The ISP an `isp` account is bound to, else null. */
  readonly isp: string | null;
  readonly mustChangePassword: boolean;
  /** True once TOTP enrolment was confirmed. */
  readonly totpEnrolled: boolean;
  readonly createdAt: number;
  readonly createdBy: string;
}

/** An account with what proves it (read only by sign-in; never sent or logged). */
export interface AccountSecrets extends Account {
  readonly passwordHash: string;
  readonly totpSecret: string | null;
  readonly totpPending: string | null;
  readonly totpLastStep: number;
}

/** A signed-in session (its id is stored only as a SHA-256). */
export interface AccountSession {
  readonly name: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

/** An API token's metadata (the token itself is shown once and stored only as a SHA-256). */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** Accounts, sessions and API tokens (migration 5); every change by a person is audited. */
export interface AccountRepository {
  /** Creates an account (and its user); GH_ERR_ACCOUNT_EXISTS when the name is taken. */
  create(
    input: { name: string; roles: readonly Role[]; isp: string | null; passwordHash: string },
    actor: string,
  ): Promise<Account>;
  get(name: string): Promise<Account | undefined>;
  secrets(name: string): Promise<AccountSecrets | undefined>;
  list(): Promise<Account[]>;
  /** Accounts holding `role`. */
  countWithRole(role: Role): Promise<number>;
  /** Deletes the account, ends its sessions and revokes its tokens. GH_ERR_ACCOUNT_NOT_FOUND. */
  remove(name: string, actor: string): Promise<void>;
  /** Sets the password; `mustChange` for one an admin set. Ends the account's other sessions. */
  setPassword(
    name: string,
    passwordHash: string,
    mustChange: boolean,
    actor: string,
    keepSession?: string,
  ): Promise<void>;
  /** Stores a TOTP secret awaiting its first code. */
  startTotp(name: string, secret: string): Promise<void>;
  /** Makes the pending secret the account's, at `step`, with fresh recovery codes (SHA-256). */
  confirmTotp(name: string, step: number, recoveryHashes: readonly string[]): Promise<void>;
  /** Accepts TOTP time step `step` once: false when it (or a later one) was already used. */
  spendTotpStep(name: string, step: number): Promise<boolean>;
  /** Spends a recovery code (SHA-256): false when unknown or used. */
  spendRecoveryCode(name: string, codeHash: string): Promise<boolean>;
  createSession(idHash: string, name: string, expiresAt: number): Promise<void>;
  session(idHash: string): Promise<AccountSession | undefined>;
  touchSession(idHash: string, at: number): Promise<void>;
  endSession(idHash: string): Promise<void>;
  createToken(input: {
    id: string;
    name: string;
    label: string;
    role: Role;
    tokenHash: string;
  }): Promise<ApiToken>;
  /** The live (not revoked) token with that SHA-256, or undefined. */
  tokenByHash(tokenHash: string): Promise<ApiToken | undefined>;
  touchToken(id: string, at: number): Promise<void>;
  /** Every token (of `name`, or all), newest first. */
  tokens(name?: string): Promise<ApiToken[]>;
  /** Revokes a token; GH_ERR_ACCOUNT_NOT_FOUND when unknown. */
  revokeToken(id: string, actor: string): Promise<ApiToken>;
}

/** An open store. */
export interface Store {
  readonly dialect: StoreDialect;
  readonly orders: OrderRepository;
  readonly lists: ListRepository;
  readonly users: UserRepository;
  readonly audit: AuditRepository;
  /** Appeals against orders (migration 6; see appeals.ts). */
  readonly appeals: AppealRepository;
  readonly accounts: AccountRepository;
  /** Lawful access: warrants, their results and notifications (migration 3). */
  readonly warrants: WarrantRepository;
  /** Subscriber identity records (sealed) and disconnect requests (migration 4). */
  readonly subscribers: SubscriberRepository;
  /** The schema version the store is at (the last migration applied). */
  schemaVersion(): Promise<number>;
  /** Closes the connection(s); the store is unusable afterwards. */
  close(): Promise<void>;
}
