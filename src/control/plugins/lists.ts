/**
 * Lists: create, upload a version (with a dry-run preview of what would change: added, removed,
 * errors by line), versions, and the diff between two versions. Parsing uses the importers of
 * src/policy/formats/; the store keeps versions immutable and audits each import.
 */
import { isGatehouseError } from '../../core/errors.js';
import { isListFormat, parseListText } from '../../policy/formats/index.js';
import { LIST_FORMATS, type ListFormat } from '../../policy/formats/summary.js';
import { formatTarget } from '../../policy/target.js';
import type { Role } from '../../store/types.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import { anyObject, bool, closed, idParams, int, responses, str } from '../schemas.js';

const READERS: Role[] = ['admin', 'operator', 'approver', 'auditor'];
const AUTHORS: Role[] = ['admin', 'operator'];
/** Lines shown per side of a preview or diff; the counts are always complete. */
const PREVIEW_LINES = 1000;
const format = { type: 'string', enum: [...LIST_FORMATS] };
const lines = { type: 'array', items: str };

async function latestLines(ctx: ControlContext, id: number): Promise<string[]> {
  try {
    return await ctx.store.lists.lines(id);
  } catch (err) {
    if (isGatehouseError(err, 'GH_ERR_LIST_NOT_FOUND')) return [];
    throw err;
  }
}

function compare(before: readonly string[], after: readonly string[]) {
  const old = new Set(before);
  const now = new Set(after);
  return { added: after.filter((l) => !old.has(l)), removed: before.filter((l) => !now.has(l)) };
}

/** The list routes. */
export const listsPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/lists',
    {
      config: { roles: READERS },
      schema: {
        tags: ['lists'],
        response: responses({ 200: closed({ lists: { type: 'array', items: anyObject } }, ['lists']) }),
      },
    },
    async () => ({ lists: await ctx.store.lists.all() }),
  );
  app.post(
    '/lists',
    {
      config: { roles: AUTHORS },
      schema: {
        tags: ['lists'],
        body: closed({ name: { type: 'string', minLength: 1, maxLength: 200 }, format }, ['name', 'format']),
        response: responses({ 201: closed({ list: anyObject }, ['list']) }),
      },
    },
    async (req, reply) => {
      const list = await ctx.store.lists.create(
        req.body as { name: string; format: string },
        req.principal!.name,
      );
      return reply.code(201).send({ list });
    },
  );
  app.post(
    '/lists/:id/versions',
    {
      config: { roles: AUTHORS },
      bodyLimit: ctx.settings.uploadLimit,
      schema: {
        tags: ['lists'],
        params: idParams,
        body: closed({ body: str, format, sourceName: { type: 'string', maxLength: 200 }, dryRun: bool }, [
          'body',
        ]),
        response: responses({
          200: closed({
            preview: closed({
              added: lines,
              removed: lines,
              errors: { type: 'array', items: closed({ line: int, message: str }) },
              stats: anyObject,
            }),
          }),
          201: closed({ version: anyObject, diff: closed({ added: lines, removed: lines }) }),
        }),
      },
    },
    async (req, reply) => {
      const id = Number((req.params as { id: string }).id);
      const b = req.body as { body: string; format?: ListFormat; sourceName?: string; dryRun?: boolean };
      const list = await ctx.store.lists.get(id);
      if (!list) return ctx.store.lists.getVersion(id); // throws GH_ERR_LIST_NOT_FOUND
      const fmt = b.format ?? (isListFormat(list.format) ? list.format : 'domains');
      const summary = parseListText(b.body, fmt, {
        source: b.sourceName ?? list.name,
        errorBudget: ctx.settings.listErrorBudget,
      });
      const { rules, errors, source: _s, format: _f, warnings: _w, ...counts } = summary;
      const stats = { ...counts, errors: errors.length };
      if (b.dryRun) {
        const diff = compare(await latestLines(ctx, id), rules.map(formatTarget));
        return {
          preview: {
            added: diff.added.slice(0, PREVIEW_LINES),
            removed: diff.removed.slice(0, PREVIEW_LINES),
            errors: errors.slice(0, PREVIEW_LINES).map((e) => ({ line: e.line, message: e.message })),
            stats: { ...stats, added: diff.added.length, removed: diff.removed.length },
          },
        };
      }
      const version = await ctx.store.lists.addVersion(
        id,
        { rules, sourceName: b.sourceName ?? null, format: fmt, stats },
        req.principal!.name,
      );
      const diff =
        version.version > 1
          ? await ctx.store.lists.diff(id, version.version - 1, version.version)
          : { added: rules.map(formatTarget), removed: [] };
      return reply.code(201).send({
        version,
        diff: { added: diff.added.slice(0, PREVIEW_LINES), removed: diff.removed.slice(0, PREVIEW_LINES) },
      });
    },
  );
  app.get(
    '/lists/:id/versions',
    {
      config: { roles: READERS },
      schema: {
        tags: ['lists'],
        params: idParams,
        response: responses({ 200: closed({ versions: { type: 'array', items: anyObject } }, ['versions']) }),
      },
    },
    async (req) => ({ versions: await ctx.store.lists.versions(Number((req.params as { id: string }).id)) }),
  );
  app.get(
    '/lists/:id/diff',
    {
      config: { roles: READERS },
      schema: {
        tags: ['lists'],
        params: idParams,
        querystring: closed({ a: { type: 'integer', minimum: 1 }, b: { type: 'integer', minimum: 1 } }, [
          'a',
          'b',
        ]),
        response: responses({ 200: closed({ added: lines, removed: lines }, ['added', 'removed']) }),
      },
    },
    async (req) => {
      const { a, b } = req.query as { a: number; b: number };
      return ctx.store.lists.diff(Number((req.params as { id: string }).id), a, b);
    },
  );
};
