/**
 * The operator console: the files Vite builds into web/dist, served at /console/. Hashed assets
 * (`assets/…`) are cached for a year; anything that is not a file gets index.html (the console
 * routes in the browser). Without a build, /console/ says how to make one.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { ControlContext, ControlPlugin } from './context.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** web/dist of the package this file belongs to (found from src/ and from dist/src/ alike). */
export function findConsoleDir(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    if (dirname(dir) === dir) return resolve('web', 'dist');
  }
}

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>Gatehouse console</title>' +
  '<h1>The console is not built</h1><p>Build it with <code>npx vite build web</code> ' +
  '(it lands in <code>web/dist</code>), then reload. The API is at <a href="/api/docs">/api/docs</a>.</p>';

async function file(root: string, path: string): Promise<{ body: Buffer; type: string } | null> {
  const full = resolve(root, `.${sep}${path}`);
  // Never outside the build directory (`..`, encoded or not, resolves out of it).
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    if (!statSync(full).isFile()) return null;
    return { body: await readFile(full), type: TYPES[extname(full)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

/** GET /console and /console/*. */
export const consolePlugin: ControlPlugin = async (app, ctx: ControlContext) => {
  const root = resolve(ctx.settings.consoleDir ?? findConsoleDir());
  app.get('/console', { config: { roles: 'public' }, schema: { hide: true } }, (_req, reply) =>
    reply.redirect('/console/'),
  );
  app.get('/console/*', { config: { roles: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const path = decodeURIComponent((req.params as { '*': string })['*'] ?? '');
    const asset = path === '' ? null : await file(root, path);
    if (asset) {
      const hashed = path.startsWith('assets/');
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type(asset.type).send(asset.body);
    }
    if (path.startsWith('assets/'))
      return reply.code(404).type('text/plain; charset=utf-8').send('no such asset\n');
    const index = await file(root, 'index.html');
    reply.header('cache-control', 'no-cache');
    if (!index) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type(index.type).send(index.body);
  });
};
