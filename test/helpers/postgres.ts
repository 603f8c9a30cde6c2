/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, `pg_ctl start` on a free loopback
 * port with durability off (fsync, synchronous commit, full-page writes: the data dies with the test),
 * run as the `postgres` user when the tests run as root. Starts in about a second.
 *
 * Tests call `postgresBinDir()` first and skip, saying why, only when the binaries are absent.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** A running cluster. */
export interface PostgresCluster {
  /** A connection URL to a database created for the caller. */
  readonly url: string;
  /** Creates another empty database on the same cluster and returns its URL. */
  freshDatabase(): Promise<string>;
  /** Stops the server (immediately) and removes its directory. */
  stop(): Promise<void>;
}

/** The directory holding `initdb` and `pg_ctl` (Debian's newest version, or `PATH`), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const dirs = [...versions.map((v) => join(root, v, 'bin')), ...(process.env.PATH ?? '').split(':')];
  return dirs.find((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** Why PostgreSQL tests are skipped here, or undefined when they can run. */
export function postgresSkipReason(): string | undefined {
  return postgresBinDir() === undefined
    ? 'postgresql binaries (initdb, pg_ctl) not found: apt-get install postgresql'
    : undefined;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses to run as root). */
async function runAs(bin: string, args: string[]): Promise<void> {
  const asRoot = userInfo().uid === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await run(cmd, argv, { timeout: 60_000 });
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/** Starts a cluster and creates a database in it; throws when the binaries are missing. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(postgresSkipReason());
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const data = join(dir, 'data');
  try {
    if (userInfo().uid === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      chownSync(dir, Number(stdout.trim()), -1);
    }
    await runAs(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const port = await startServer(bin, dir, data);
    const base = `postgres://postgres@127.0.0.1:${port}`;
    let next = 0;
    const freshDatabase = async (): Promise<string> => {
      const name = `gatehouse_${next++}`;
      await createDatabase(`${base}/postgres`, name);
      return `${base}/${name}`;
    };
    const url = await freshDatabase();
    const stop = async (): Promise<void> => {
      await runAs(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    };
    return { url, freshDatabase, stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** `pg_ctl start` on a free port, retrying on a clash (another process took the port meanwhile). */
async function startServer(bin: string, dir: string, data: string): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    try {
      await runAs(join(bin, 'pg_ctl'), [
        'start',
        '-w',
        '-t',
        '30',
        '-D',
        data,
        '-l',
        join(dir, 'log'),
        '-o',
        options,
      ]);
      return port;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`starting postgresql in "${dir}": ${String(lastError)}`);
}
