/**
 * The audit log: entries (filtered, paged by seq), verification of the whole chain, and the head,
 * signed when a signing key exists (`gatehouse audit head --sign` creates it; this never does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGNING_KEY_FILE, signHead } from '../../audit/head.js';
import type { Role } from '../../store/types.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import { anyObject, closed, int, responses, str } from '../schemas.js';

const AUDITORS: Role[] = ['admin', 'auditor'];

/** The head signed with `<dataDir>/keys/audit-ed25519.pem`, or null when no key was made. */
export function signed(ctx: ControlContext, head: { seq: number; hash: string; time: number }) {
  const dir = ctx.settings.dataDir;
  const file = dir === null ? null : join(dir, SIGNING_KEY_FILE);
  if (file === null || !existsSync(file)) return null;
  return signHead(head, readFileSync(file, 'utf8'), ctx.clock());
}

/** The audit routes. */
export const auditPlugin: ControlPlugin = async (app, ctx) => {
  app.get(
    '/audit',
    {
      config: { roles: AUDITORS },
      schema: {
        tags: ['audit'],
        querystring: closed({
          object: { type: 'string', maxLength: 300 },
          actor: { type: 'string', maxLength: 64 },
          action: { type: 'string', maxLength: 100 },
          after: { type: 'integer', minimum: 0 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        }),
        response: responses({ 200: closed({ entries: { type: 'array', items: anyObject } }, ['entries']) }),
      },
    },
    async (req) => {
      const q = req.query as {
        object?: string;
        actor?: string;
        action?: string;
        after?: number;
        limit: number;
      };
      const entries = await ctx.store.audit.entries({
        limit: q.limit,
        ...(q.after !== undefined ? { from: q.after + 1 } : {}),
        ...(q.object ? { object: q.object } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
      });
      return { entries };
    },
  );
  app.get(
    '/audit/verify',
    { config: { roles: AUDITORS }, schema: { tags: ['audit'], response: responses({ 200: anyObject }) } },
    async () => ctx.store.audit.verify(),
  );
  app.get(
    '/audit/head',
    {
      config: { roles: AUDITORS },
      schema: {
        tags: ['audit'],
        response: responses({
          200: closed(
            {
              seq: int,
              hash: str,
              time: int,
              signed: { type: ['object', 'null'], additionalProperties: true },
            },
            ['seq', 'hash', 'time', 'signed'],
          ),
        }),
      },
    },
    async () => {
      const head = await ctx.store.audit.head();
      return { ...head, signed: signed(ctx, head) };
    },
  );
};
