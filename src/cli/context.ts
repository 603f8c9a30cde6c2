/**
 * What every command needs: the configuration, the store, the acting user, and output.
 * Commands get a Context; nothing here exits the process.
 */
import type { Writable } from 'node:stream';
import type { ConfigOverrides } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import type { GatehouseConfig } from '../config/schema.js';
import { GatehouseError } from '../core/errors.js';
import { normaliseUserName } from '../policy/lifecycle.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

/** Options every command accepts. */
export interface CommonOptions {
  readonly config?: string;
  readonly data?: string;
  readonly as?: string;
  readonly json?: boolean;
}

/** Where a command writes, and the environment it reads (injected for tests). */
export interface Io {
  readonly out: Writable & { isTTY?: boolean };
  readonly err: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** A command's view of the world. */
export interface Context {
  readonly config: GatehouseConfig;
  readonly io: Io;
  readonly json: boolean;
  /** Opens the store on first use; closed by `close()`. */
  store(): Promise<Store>;
  /** The acting user (`--as NAME` or GATEHOUSE_USER); GH_ERR_USER_REQUIRED when neither is set. */
  user(): string;
  print(text: string): void;
  printJson(value: unknown): void;
  close(): Promise<void>;
}

/** Loads the configuration (`--config`, GATEHOUSE_CONFIG) with `--data`/GATEHOUSE_DATA applied. */
export function resolveConfig(opts: CommonOptions, io: Io, overrides: ConfigOverrides = {}): GatehouseConfig {
  const file = opts.config ?? io.env.GATEHOUSE_CONFIG;
  const dataDir = opts.data ?? io.env.GATEHOUSE_DATA;
  const store = io.env.GATEHOUSE_STORE;
  return loadConfig({
    ...(file ? { file } : {}),
    // Flags (overrides) win over the environment.
    overrides: { ...(dataDir ? { dataDir } : {}), ...(store ? { store } : {}), ...overrides },
  });
}

function storeUrl(config: GatehouseConfig): string {
  return config.store.kind === 'sqlite' ? `sqlite:${config.store.path}` : config.store.url;
}

/** Builds the context for one command run. */
export function createContext(opts: CommonOptions, io: Io, overrides?: ConfigOverrides): Context {
  const config = resolveConfig(opts, io, overrides);
  let store: Promise<Store> | null = null;
  return {
    config,
    io,
    json: opts.json === true,
    store() {
      store ??= openStore(storeUrl(config));
      return store;
    },
    user() {
      const name = opts.as ?? io.env.GATEHOUSE_USER;
      if (!name) {
        throw new GatehouseError(
          'GH_ERR_USER_REQUIRED',
          'this command acts as a named user: pass --as NAME or set GATEHOUSE_USER',
        );
      }
      return normaliseUserName(name);
    },
    print(text) {
      io.out.write(`${text}\n`);
    },
    printJson(value) {
      io.out.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    async close() {
      if (store) await (await store).close();
    },
  };
}

/** Parses a time given as ISO 8601 (`2027-01-31T00:00:00Z`, `2027-01-31`) or relative (`+30d`, `+12h`). */
export function parseTime(text: string, now: number, what: string): number {
  const rel = /^\+(\d+)(s|m|h|d)$/.exec(text);
  if (rel)
    return now + Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new GatehouseError(
      'GH_ERR_CLI_USAGE',
      `${what}: expected an ISO 8601 time or +N(s|m|h|d), got "${text}"`,
    );
  }
  return ms;
}

/** Parses a positive integer id argument. */
export function parseId(text: string, what = 'order id'): number {
  if (!/^\d{1,12}$/.test(text) || Number(text) < 1) {
    throw new GatehouseError('GH_ERR_CLI_USAGE', `${what}: expected a positive integer, got "${text}"`);
  }
  return Number(text);
}
