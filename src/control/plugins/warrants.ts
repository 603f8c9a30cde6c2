/**
 * Warrants over the workflow of src/access/service.ts (docs/warrants.md): request, approve or refuse
 * (the judge, a person other than the requester: the store enforces it and answers
 * GH_ERR_WARRANT_SELF_APPROVAL), execute, review an urgent execution, export results, and track the
 * notification of the person concerned. The service audits every act and every read of results.
 *
 * Auditors read metadata only: who asked, on what authority and crime category, for which window,
 * who decided and executed, counts, digest, seal and notification dates. They never read results
 * (the route refuses them, and so does the service), and the target shows only its kind and the
 * notification note is withheld: both can name the person concerned.
 */

import { type Actor, createWarrantService, type WarrantService } from '../../access/service.js';
import type { Warrant, WarrantStatus } from '../../access/types.js';
import { GatehouseError } from '../../core/errors.js';
import type { Role } from '../../store/types.js';
import type { ControlContext, ControlPlugin } from '../context.js';
import {
  anyObject,
  bool,
  closed,
  idParams,
  int,
  nullableInt,
  nullableStr,
  responses,
  str,
} from '../schemas.js';

const READERS: Role[] = ['operator', 'admin', 'approver', 'auditor'];
const ACTORS: Role[] = ['operator', 'admin'];
const JUDGES: Role[] = ['approver'];
/** Who may read results: the auditor is not among them. */
const RESULT_READERS: Role[] = ['operator', 'admin', 'approver'];
const STATUSES: WarrantStatus[] = ['requested', 'approved', 'refused', 'executed'];

const text = { type: 'string', minLength: 1, maxLength: 4096 };
const time = { type: ['integer', 'string'] };
const nullableTime = nullableInt;

const warrantSchema = closed(
  {
    id: int,
    status: { type: 'string', enum: STATUSES },
    authority: str,
    reference: str,
    crimeCategory: str,
    target: anyObject,
    from: int,
    to: int,
    justification: str,
    urgency: str,
    requestedBy: str,
    requestedAt: int,
    decision: nullableStr,
    decidedBy: nullableStr,
    decidedAt: nullableTime,
    decisionReason: nullableStr,
    executedBy: nullableStr,
    executedAt: nullableTime,
    reviewDue: nullableTime,
    resultCount: nullableInt,
    resultSha256: nullableStr,
    unlinkableEpochs: { type: 'array', items: int },
    truncated: bool,
    sealedAt: nullableTime,
    sealReason: nullableStr,
    notifyDue: nullableTime,
    notifiedAt: nullableTime,
    notifiedBy: nullableStr,
    notifyNote: nullableStr,
  },
  ['id', 'status', 'target', 'requestedBy'],
);
const one = responses({ 200: closed({ warrant: warrantSchema }, ['warrant']) });
const many = responses({ 200: closed({ warrants: { type: 'array', items: warrantSchema } }, ['warrants']) });

const requestBody = closed(
  {
    authority: text,
    reference: text,
    crimeCategory: text,
    // The service checks which fields each kind needs, and lists every problem at once.
    target: closed(
      {
        kind: { type: 'string', enum: ['subscriber', 'pseudonym', 'destination', 'address'] },
        isp: str,
        subscriber: str,
        pseudonym: str,
        name: str,
        address: str,
      },
      ['kind'],
    ),
    from: time,
    to: time,
    justification: text,
    urgency: { type: 'string', enum: ['normal', 'urgent'] },
  },
  ['authority', 'reference', 'crimeCategory', 'target', 'from', 'to', 'justification'],
);

/** Lets a route whose body is all optional be called without one (`POST …/approve`). */
const optionalBody = async (req: { body: unknown }) => {
  req.body ??= {};
};

const actorOf = (req: { principal: { name: string; roles: readonly Role[] } | null }): Actor => ({
  name: req.principal!.name,
  roles: req.principal!.roles,
});
const idOf = (req: { params: unknown }) => Number((req.params as { id: string }).id);

/** What an account without operator, admin or approver (an auditor) may see of a warrant. */
export function metadataOnly(w: Warrant): Warrant {
  return { ...w, target: { kind: w.target.kind } as Warrant['target'], notifyNote: null };
}

function viewFor(req: { principal: { roles: readonly Role[] } | null }): (w: Warrant) => Warrant {
  return req.principal!.roles.some((r) => RESULT_READERS.includes(r)) ? (w) => w : metadataOnly;
}

/** The service; without a data directory (a test bench) there are no records, and executing fails. */
function serviceOf(ctx: ControlContext): WarrantService {
  const options = { store: ctx.store, access: ctx.settings.access, clock: ctx.clock };
  const { dataDir, recordsUrl } = ctx.settings;
  if (dataDir !== null)
    return createWarrantService({ ...options, dataDir, ...(recordsUrl === undefined ? {} : { recordsUrl }) });
  const inner = createWarrantService({ ...options, dataDir: '/nonexistent', recordsPath: '/nonexistent' });
  const none = () => {
    throw new GatehouseError('GH_ERR_WARRANT_RECORDS', 'this control plane has no data directory');
  };
  return { ...inner, execute: async () => none() };
}

/** The warrant routes. */
export const warrantsPlugin: ControlPlugin = async (app, ctx) => {
  const service = serviceOf(ctx);
  const tags = ['warrants'];
  app.get(
    '/warrants',
    {
      config: { roles: READERS },
      schema: {
        tags,
        querystring: closed({ status: { type: 'string', enum: STATUSES } }),
        response: many,
      },
    },
    async (req) => {
      const { status } = req.query as { status?: WarrantStatus };
      const warrants = await service.list(actorOf(req), status ? { status } : {});
      return { warrants: warrants.map(viewFor(req)) };
    },
  );
  app.post(
    '/warrants',
    {
      config: { roles: ACTORS },
      schema: { tags, body: requestBody, response: responses({ 201: closed({ warrant: warrantSchema }) }) },
    },
    async (req, reply) => {
      const warrant = await service.request(actorOf(req), req.body);
      return reply.code(201).send({ warrant });
    },
  );
  app.get(
    '/warrants/notifications',
    {
      config: { roles: READERS },
      schema: {
        tags,
        querystring: closed({ overdue: { type: 'string', enum: ['0', '1', 'true', 'false'] } }),
        response: many,
      },
    },
    async (req) => {
      const { overdue } = req.query as { overdue?: string };
      const warrants = await service.notifications(actorOf(req), {
        overdue: overdue === '1' || overdue === 'true',
      });
      return { warrants: warrants.map(viewFor(req)) };
    },
  );
  app.get(
    '/warrants/:id',
    { config: { roles: READERS }, schema: { tags, params: idParams, response: one } },
    async (req) => ({ warrant: viewFor(req)(await service.show(actorOf(req), idOf(req))) }),
  );
  app.post(
    '/warrants/:id/approve',
    {
      preValidation: optionalBody,
      config: { roles: JUDGES },
      schema: { tags, params: idParams, body: closed({ reason: text }), response: one },
    },
    async (req) => {
      const { reason } = req.body as { reason?: string };
      return { warrant: await service.approve(actorOf(req), idOf(req), reason ?? null) };
    },
  );
  app.post(
    '/warrants/:id/refuse',
    {
      config: { roles: JUDGES },
      schema: { tags, params: idParams, body: closed({ reason: text }, ['reason']), response: one },
    },
    async (req) => {
      const { reason } = req.body as { reason: string };
      return { warrant: await service.refuse(actorOf(req), idOf(req), reason) };
    },
  );
  app.post(
    '/warrants/:id/review',
    {
      config: { roles: JUDGES },
      schema: {
        tags,
        params: idParams,
        body: closed({ outcome: { type: 'string', enum: ['approved', 'refused'] }, reason: text }, [
          'outcome',
        ]),
        response: one,
      },
    },
    async (req) => {
      const { outcome, reason } = req.body as { outcome: 'approved' | 'refused'; reason?: string };
      // A refusal without a reason is refused by the store (GH_ERR_WARRANT_INVALID).
      return { warrant: await service.review(actorOf(req), idOf(req), outcome, reason ?? null) };
    },
  );
  app.post(
    '/warrants/:id/execute',
    { config: { roles: ACTORS }, schema: { tags, params: idParams, response: one } },
    async (req) => ({ warrant: await service.execute(actorOf(req), idOf(req)) }),
  );
  app.post(
    '/warrants/:id/notified',
    {
      preValidation: optionalBody,
      config: { roles: ACTORS },
      schema: { tags, params: idParams, body: closed({ note: text }), response: one },
    },
    async (req) => {
      const { note } = req.body as { note?: string };
      return { warrant: await service.notified(actorOf(req), idOf(req), note ?? null) };
    },
  );
  app.get(
    '/warrants/:id/results',
    {
      config: { roles: RESULT_READERS },
      schema: {
        tags,
        description:
          'The records found, as JSON (with the warrant and digest) or RFC 4180 CSV. Every read is audited.',
        params: idParams,
        querystring: closed({ format: { type: 'string', enum: ['json', 'csv'] } }),
        response: responses({
          200: {
            description: 'the export',
            content: { 'application/json': { schema: anyObject }, 'text/csv': { schema: str } },
          },
        }),
      },
    },
    async (req, reply) => {
      const id = idOf(req);
      const { format = 'json' } = req.query as { format?: 'json' | 'csv' };
      const out = await service.results(actorOf(req), id, format);
      if (out.sha256 !== null) reply.header('x-gatehouse-results-sha256', out.sha256);
      reply.header('content-disposition', `attachment; filename="warrant-${id}-results.${format}"`);
      // The body is serialised already: sent as is, not through the response schema.
      return reply
        .type(out.contentType)
        .serializer((p) => p as string)
        .send(out.body);
    },
  );
};
