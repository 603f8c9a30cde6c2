/**
 * JSON schemas shared by the routes: every body, query and params object refuses unknown fields
 * (`additionalProperties: false`), and every response has a schema (fast-json-stringify then
 * writes only the listed fields, so nothing else can leak).
 */

import { ROLES } from './access.js';
import { problemSchema } from './problem.js';

type Schema = Record<string, unknown>;

/** A closed object: these properties, `required` among them, nothing else. */
export function closed(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', properties, required: [...required], additionalProperties: false };
}

/** An open object (a value of the model, e.g. an order, whose shape src/policy/model.ts owns). */
export const anyObject: Schema = { type: 'object', additionalProperties: true };

export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
export const bool: Schema = { type: 'boolean' };
export const nullableStr: Schema = { type: ['string', 'null'] };
export const nullableInt: Schema = { type: ['integer', 'null'] };
export const role: Schema = { type: 'string', enum: [...ROLES] };
export const idParams = closed({ id: { type: 'string', pattern: '^[0-9]{1,12}$' } }, ['id']);

/** The account as the API shows it (never its secrets). */
export const userSchema = closed(
  {
    name: str,
    roles: { type: 'array', items: role },
    isp: nullableStr,
    mfa: { type: 'string', enum: ['enrolled', 'required', 'none'] },
    mustChangePassword: bool,
    createdAt: int,
    createdBy: str,
  },
  ['name', 'roles', 'isp', 'mfa', 'mustChangePassword'],
);

/** `{status: schema}` plus the problem schema for every error status. */
export function responses(ok: Record<number, Schema>): Record<string, Schema> {
  return { ...ok, '4xx': problemSchema, '5xx': problemSchema };
}

/** An empty 204. */
export const noContent: Schema = { type: 'null' };
