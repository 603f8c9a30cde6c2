/**
 * Test helper: Node 20 cannot load TypeScript, so a child process or a worker thread that must run
 * records code gets a plain-JavaScript copy of `src/core` and `src/records`, transpiled into a
 * temporary directory whose `node_modules` links to the project's (for better-sqlite3).
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A transpiled copy: `url('src/records/spool.js')` addresses one of its modules. */
export interface Transpiled {
  readonly dir: string;
  url(path: string): URL;
  remove(): void;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.includes('.test') ? [path] : [];
  });
}

/**
 * Transpiles src/core and src/records (tests excluded) into a fresh temporary directory, with the
 * `extra` files (paths from the project root, e.g. a module a worker is told to import).
 */
export function transpileRecords(extra: readonly string[] = []): Transpiled {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-records-'));
  const options: ts.CompilerOptions = { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 };
  const files = [
    ...sources(join(ROOT, 'src/core')),
    ...sources(join(ROOT, 'src/records')),
    ...extra.map((path) => join(ROOT, path)),
  ];
  for (const file of files) {
    const out = join(dir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options }).outputText,
    );
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    url: (path) => pathToFileURL(join(dir, path)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
