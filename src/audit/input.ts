/** Checking and normalising what is appended, before it is hashed. */
import { GatehouseError } from '../core/errors.js';
import { normaliseUserName } from '../policy/lifecycle.js';
import { canonicalDetails } from './canonical.js';
import type { AuditInput, AuditRecord } from './types.js';

/** `area.verb` (more dotted parts allowed), lowercase letters, digits and `-`. */
const ACTION = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+$/;
/** `kind/id`: the id may be anything printable without spaces (user names are). */
const OBJECT = /^[a-z][a-z0-9-]*\/[^\s\p{Cc}\p{Cf}]+$/u;
/** Details are a summary of an act, not a payload. */
export const MAX_DETAILS_LENGTH = 65_536;

const invalid = (message: string) => new GatehouseError('GH_ERR_AUDIT_INVALID', message);

/**
 * The fields of an entry as they will be stored: actor normalised (GH_ERR_USER_* if it cannot be),
 * action and object checked, details canonicalised (GH_ERR_AUDIT_INVALID otherwise).
 */
export function normaliseAuditInput(
  input: AuditInput,
): Pick<AuditRecord, 'actor' | 'action' | 'object' | 'details'> {
  const { action, object } = input;
  if (typeof action !== 'string' || action.length > 64 || !ACTION.test(action)) {
    throw invalid(
      `appending audit entry: action must look like "order.approve", got ${JSON.stringify(action)}`,
    );
  }
  if (typeof object !== 'string' || object.length > 256 || !OBJECT.test(object)) {
    throw invalid(`appending audit entry: object must look like "order/17", got ${JSON.stringify(object)}`);
  }
  const details = canonicalDetails(input.details);
  if (details.length > MAX_DETAILS_LENGTH) {
    throw invalid(
      `appending audit entry ${action} ${object}: details are ${details.length} characters, at most ${MAX_DETAILS_LENGTH}`,
    );
  }
  return { actor: normaliseUserName(input.actor), action, object, details };
}
