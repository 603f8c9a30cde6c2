/**
 * The one mapping from errors to HTTP: RFC 9457 problem details (`application/problem+json`)
 * `{type, title, status, detail, code}` where `code` is the GH_ERR_* code and `type` names it.
 * GatehouseErrors map by the catalogue's status; fastify's own errors (validation, body limit,
 * media type, bad JSON) get catalogue codes too; anything else is a 500 whose detail is never
 * sent (it is logged with the request id).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, isGatehouseError } from '../core/errors.js';

/** An RFC 9457 problem with Gatehouse's members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  /** One line per problem found (validation), when there are several. */
  errors?: string[];
  [extension: string]: unknown;
}

/** The JSON schema of a problem (every route's 4xx/5xx response). */
export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: { type: 'array', items: { type: 'string' } },
    retryAfter: { type: 'integer' },
    totpRequired: { type: 'boolean' },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Builds the problem for `code`. */
export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const status = ERRORS[code].http;
  return {
    type: `urn:gatehouse:error:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

const FASTIFY: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'GH_ERR_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GH_ERR_API_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GH_ERR_API_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GH_ERR_API_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'GH_ERR_API_VALIDATION',
};

/** The problem for any thrown value; `log` is told about the unexpected ones. */
export function toProblem(err: unknown, log: (err: unknown) => void): Problem {
  if (isGatehouseError(err)) {
    const extra = (err as { extra?: Record<string, unknown> }).extra ?? {};
    return problem(
      err.code,
      err.message,
      err.details.length > 0 ? { errors: [...err.details], ...extra } : extra,
    );
  }
  const e = err as Partial<FastifyError> & {
    validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  };
  if (Array.isArray(e.validation)) {
    const errors = e.validation.map((v) => {
      const extra = v.params?.additionalProperty;
      const path = `${e.validationContext ?? 'body'}${v.instancePath ?? ''}`;
      return extra !== undefined
        ? `${path}/${String(extra)}: unknown field`
        : `${path}: ${v.message ?? 'invalid'}`;
    });
    return problem('GH_ERR_API_VALIDATION', errors.join('; '), { errors });
  }
  const mapped = e.code !== undefined ? FASTIFY[e.code] : undefined;
  if (mapped) return problem(mapped, String(e.message ?? mapped));
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400)
    return problem('GH_ERR_API_VALIDATION', 'malformed JSON body');
  log(err);
  return problem('GH_ERR_API_INTERNAL', 'internal error; see the log for this request id');
}

/** Sends `p` as `application/problem+json`. */
export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  if (typeof p.retryAfter === 'number') reply.header('retry-after', String(p.retryAfter));
  // The serializer of the route's response schema is bypassed: problems have their own shape.
  return reply
    .code(p.status)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send(p);
}

/** Installs the error and not-found handlers on `app`. */
export function installProblems(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const p = toProblem(err, (e) => req.log.error({ err: e }, 'unhandled error in a control-plane route'));
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      reply,
      problem('GH_ERR_API_NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`),
    ),
  );
}
