/**
 * Subscriber identity records and disconnections over src/identity/subscribers/service.ts
 * (docs/subscribers.md). Every call passes the caller's scope: an `isp` account sees and imports
 * only its own ISP's subscribers (another ISP's are "not found", their existence not revealed, and
 * importing for it is GH_ERR_SUBSCRIBER_SCOPE); `admin` has no scope. Nothing here logs a request
 * body or a record: identity fields are opened only to be sent to the caller.
 */
import { GatehouseError } from '../../core/errors.js';
import type { ImportFormat } from '../../identity/subscribers/import.js';
import { createSubscriberService } from '../../identity/subscribers/service.js';
import type { Role } from '../../store/types.js';
import type { Principal } from '../access.js';
import type { ControlPlugin } from '../context.js';
import { closed, int, nullableInt, nullableStr, responses, str } from '../schemas.js';

const ROLES: Role[] = ['isp', 'admin'];
const ISP = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' };
// As model.ts: printable, no spaces, at most 128 characters.
const ID = { type: 'string', pattern: '^[^\\s\\p{Cc}\\p{Cf}]{1,128}$' };

const subscriberSchema = closed(
  {
    isp: str,
    id: str,
    name: str,
    documentType: str,
    documentNumber: str,
    address: str,
    phone: str,
    verifiedAt: int,
    verificationMethod: str,
    createdAt: int,
    updatedAt: int,
    updatedBy: str,
  },
  ['isp', 'id'],
);
const disconnectSchema = closed(
  {
    id: int,
    orderId: int,
    isp: str,
    subscriber: str,
    nas: str,
    sessionId: str,
    framedIp: nullableStr,
    nasAddress: str,
    status: str,
    errorCause: nullableInt,
    attempts: int,
    requestedAt: int,
    answeredAt: nullableInt,
  },
  ['id', 'orderId', 'isp', 'status'],
);

/** The caller's scope: null (every ISP) for an admin, else the ISP its account is bound to. */
export function scopeOf(p: Principal): string | null {
  if (p.roles.includes('admin')) return null;
  if (p.roles.includes('isp') && p.isp !== null) return p.isp;
  throw new GatehouseError('GH_ERR_SUBSCRIBER_SCOPE', `${p.name} is bound to no ISP`);
}

/** The subscriber routes. */
export const subscribersPlugin: ControlPlugin = async (app, ctx) => {
  const service = createSubscriberService({
    repository: ctx.store.subscribers,
    keySource: ctx.settings.identityKey,
    now: ctx.clock,
  });
  const tags = ['subscribers'];
  app.get(
    '/subscribers',
    {
      config: { roles: ROLES },
      schema: {
        tags,
        description: 'Subscribers in your scope, by ISP and id; `q` matches the start of the id.',
        querystring: closed({
          q: { type: 'string', maxLength: 128 },
          isp: ISP,
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        }),
        response: responses({
          200: closed({ subscribers: { type: 'array', items: subscriberSchema } }, ['subscribers']),
        }),
      },
    },
    async (req) => {
      const { q, isp, limit } = req.query as { q?: string; isp?: string; limit?: number };
      const subscribers = await service.list(scopeOf(req.principal!), {
        ...(q ? { q } : {}),
        ...(isp ? { isp } : {}),
        limit: limit ?? 100,
      });
      return { subscribers };
    },
  );
  app.get(
    '/subscribers/disconnects',
    {
      config: { roles: ROLES },
      schema: {
        tags,
        description: 'Disconnect-Requests sent for disconnect orders (RFC 5176), newest first.',
        querystring: closed({
          order: { type: 'integer', minimum: 1 },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        }),
        response: responses({
          200: closed({ disconnects: { type: 'array', items: disconnectSchema } }, ['disconnects']),
        }),
      },
    },
    async (req) => {
      const { order, limit } = req.query as { order?: number; limit?: number };
      const disconnects = await service.disconnects(scopeOf(req.principal!), {
        ...(order ? { orderId: order } : {}),
        limit: limit ?? 100,
      });
      return { disconnects };
    },
  );
  app.get(
    '/subscribers/:isp/:id',
    {
      config: { roles: ROLES },
      schema: {
        tags,
        params: closed({ isp: ISP, id: ID }, ['isp', 'id']),
        response: responses({ 200: closed({ subscriber: subscriberSchema }, ['subscriber']) }),
      },
    },
    async (req) => {
      const { isp, id } = req.params as { isp: string; id: string };
      return { subscriber: await service.show(scopeOf(req.principal!), isp, id) };
    },
  );
  app.post(
    '/subscribers/import',
    {
      config: { roles: ROLES },
      // A whole ISP's file in one request: the upload limit, as list uploads.
      bodyLimit: ctx.settings.uploadLimit,
      schema: {
        tags,
        description:
          'Creates or replaces an ISP’s subscribers from CSV or JSON text, all or nothing. `isp` defaults to your own.',
        body: closed({ format: { type: 'string', enum: ['csv', 'json'] }, body: str, isp: ISP }, [
          'format',
          'body',
        ]),
        response: responses({
          200: closed({ isp: str, rows: int, created: int, updated: int }, [
            'isp',
            'rows',
            'created',
            'updated',
          ]),
        }),
      },
    },
    async (req) => {
      const b = req.body as { format: ImportFormat; body: string; isp?: string };
      const scope = scopeOf(req.principal!);
      const isp = b.isp ?? scope;
      if (isp === null) {
        throw new GatehouseError(
          'GH_ERR_API_VALIDATION',
          'body/isp: required when your account has every ISP',
        );
      }
      return service.import(scope, { isp, format: b.format, body: b.body }, req.principal!.name);
    },
  );
};
