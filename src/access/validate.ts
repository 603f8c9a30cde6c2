/**
 * Validating a warrant request: every missing or malformed field is reported with its path
 * (`target.isp: expected …`), all at once, as one GH_ERR_WARRANT_INVALID; nothing is saved.
 */
import type { AccessConfig } from '../config/schema.js';
import { GatehouseError } from '../core/errors.js';
import { formatPrefix, parseAddress } from '../core/net/address.js';
import { explainBadName, normaliseName } from '../core/net/name.js';
import { TARGET_KINDS, type Urgency, type WarrantInput, type WarrantTarget } from './types.js';

/** What validation needs from configuration, and the clock. */
export type ValidateWarrantOptions = Pick<AccessConfig, 'crimeCategories' | 'maxWindow'> & {
  readonly now: number;
};

/** The pseudonym format records carry (see records/pseudonym.ts). */
export const PSEUDONYM = /^p\d{1,12}-[a-z2-7]{20}$/;
const ISP = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_TEXT = 4096;

type Issues = string[];

function text(o: Record<string, unknown>, key: string, issues: Issues, path = key): string {
  const v = o[key];
  if (v === undefined || v === null) issues.push(`${path}: required`);
  else if (typeof v !== 'string') issues.push(`${path}: expected text, got ${typeof v}`);
  else if (v.trim() === '') issues.push(`${path}: must not be empty`);
  else if (v.length > MAX_TEXT) issues.push(`${path}: at most ${MAX_TEXT} characters, got ${v.length}`);
  else return v.trim();
  return '';
}

function time(o: Record<string, unknown>, key: 'from' | 'to', issues: Issues): number | null {
  const v = o[key];
  if (v === undefined || v === null) issues.push(`${key}: required`);
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  else if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  else issues.push(`${key}: expected epoch milliseconds or an ISO 8601 time, got ${JSON.stringify(v)}`);
  return null;
}

function target(raw: unknown, issues: Issues): WarrantTarget | null {
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push(raw === undefined || raw === null ? 'target: required' : 'target: expected an object');
    return null;
  }
  const t = raw as Record<string, unknown>;
  const before = issues.length;
  switch (t.kind) {
    case 'subscriber': {
      const isp = text(t, 'isp', issues, 'target.isp');
      if (isp !== '' && !ISP.test(isp))
        issues.push(`target.isp: expected an ISP id, got ${JSON.stringify(isp)}`);
      const subscriber = text(t, 'subscriber', issues, 'target.subscriber');
      return issues.length > before ? null : { kind: 'subscriber', isp, subscriber };
    }
    case 'pseudonym': {
      const p = text(t, 'pseudonym', issues, 'target.pseudonym');
      if (p !== '' && !PSEUDONYM.test(p)) {
        issues.push(`target.pseudonym: expected pEPOCH-XXXXXXXXXXXXXXXXXXXX, got ${JSON.stringify(p)}`);
      }
      return issues.length > before ? null : { kind: 'pseudonym', pseudonym: p };
    }
    case 'destination': {
      const n = text(t, 'name', issues, 'target.name');
      const name = n === '' ? null : normaliseName(n);
      if (n !== '' && name === null) issues.push(`target.name: ${explainBadName(n)}: ${JSON.stringify(n)}`);
      return name === null ? null : { kind: 'destination', name };
    }
    case 'address': {
      const a = text(t, 'address', issues, 'target.address');
      const parsed = a === '' ? null : parseAddress(a);
      if (a !== '' && parsed === null)
        issues.push(`target.address: expected an IP address, got ${JSON.stringify(a)}`);
      return parsed === null ? null : { kind: 'address', address: formatPrefix(parsed) };
    }
    default:
      issues.push(`target.kind: expected one of ${TARGET_KINDS.join(', ')}, got ${JSON.stringify(t.kind)}`);
      return null;
  }
}

function window(o: Record<string, unknown>, opts: ValidateWarrantOptions, issues: Issues) {
  const from = time(o, 'from', issues);
  const to = time(o, 'to', issues);
  if (from === null || to === null) return { from: 0, to: 0 };
  if (to <= from) issues.push('to: must be after from');
  else if (to - from > opts.maxWindow) {
    issues.push(`to: the window is longer than access.maxWindow (${opts.maxWindow / 86_400_000} days)`);
  }
  // Records exist only for the past: a window reaching into the future would be run before it ends.
  if (to > opts.now) issues.push('to: must not be in the future');
  return { from, to };
}

/** Checks a raw request (API body, CLI flags) and returns it normalised, or throws GH_ERR_WARRANT_INVALID. */
export function validateWarrantInput(raw: unknown, opts: ValidateWarrantOptions): WarrantInput {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new GatehouseError('GH_ERR_WARRANT_INVALID', 'warrant request: expected an object', [
      '(root): expected an object',
    ]);
  }
  const o = raw as Record<string, unknown>;
  const issues: Issues = [];
  const authority = text(o, 'authority', issues);
  const reference = text(o, 'reference', issues);
  const crimeCategory = text(o, 'crimeCategory', issues);
  if (crimeCategory !== '' && !opts.crimeCategories.includes(crimeCategory)) {
    issues.push(
      `crimeCategory: expected one of ${opts.crimeCategories.join(', ')}, got ${JSON.stringify(crimeCategory)}`,
    );
  }
  const t = target(o.target, issues);
  const { from, to } = window(o, opts, issues);
  const justification = text(o, 'justification', issues);
  const urgency = (o.urgency ?? 'normal') as Urgency;
  if (urgency !== 'normal' && urgency !== 'urgent') {
    issues.push(`urgency: expected normal or urgent, got ${JSON.stringify(o.urgency)}`);
  }
  if (issues.length > 0 || t === null) {
    throw new GatehouseError(
      'GH_ERR_WARRANT_INVALID',
      `warrant request: ${issues.length} invalid field${issues.length === 1 ? '' : 's'} (${issues[0]})`,
      issues,
    );
  }
  return { authority, reference, crimeCategory, target: t, from, to, justification, urgency };
}

/** The target in words, for listings (`subscriber isp-a/sub-42`, `address 192.0.2.7`). */
export function describeTarget(t: WarrantTarget): string {
  switch (t.kind) {
    case 'subscriber':
      return `subscriber ${t.isp}/${t.subscriber}`;
    case 'pseudonym':
      return `pseudonym ${t.pseudonym}`;
    case 'destination':
      return `destination ${t.name}`;
    case 'address':
      return `address ${t.address}`;
  }
}
