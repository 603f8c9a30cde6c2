/**
 * Citizen Lab test lists: CSV (RFC 4180 quoting) with the header
 * `url,category_code,category_description,date_added,source,notes`.
 * A URL whose path is `/` or empty names the whole site: an exact rule for its host (a `cidr`
 * rule for an address host). A longer path is a `url` rule (host plus path prefix, query kept).
 */
import { formatPrefix, parseAddress } from '../../core/net/address.js';
import { normaliseName } from '../../core/net/name.js';
import type { Rule } from '../model.js';
import type { ListCollector } from './collector.js';
import type { LineParser } from './parser.js';

/** The columns a Citizen Lab list starts with. */
export const CITIZENLAB_HEADER = [
  'url',
  'category_code',
  'category_description',
  'date_added',
  'source',
  'notes',
];

/** Splits one CSV record; returns null while a quoted field is still open. */
export function splitCsv(record: string): string[] | null {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i];
    if (quoted) {
      if (ch !== '"') cur += ch;
      else if (record[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) return null;
  fields.push(cur);
  return fields;
}

/** Maps one URL of the list to a rule, or says what is wrong with it. */
export function parseCitizenlabUrl(text: string, c: ListCollector): Rule | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `invalid url "${text}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `not an http(s) url "${text}"`;
  if (url.port !== '') c.warn('port ignored: rules match names, not ports');
  const address = parseAddress(url.hostname);
  const host = address ? null : normaliseName(url.hostname);
  if (!address && host === null) return `invalid host "${url.hostname}"`;
  const path = url.pathname + url.search;
  if (path === '' || path === '/') {
    return address
      ? { kind: 'cidr', value: formatPrefix(address) }
      : { kind: 'exact', value: host as string };
  }
  if (address?.family === 6) return `url with an IPv6 host "${text}" (a url rule needs a name or IPv4 host)`;
  if (url.protocol === 'https:') c.warn('https url with a path: only plaintext http requests can match it');
  return { kind: 'url', value: `${host ?? url.hostname}${path}` };
}

/** A parser for Citizen Lab CSV lists. */
export function createCitizenlabParser(): LineParser {
  let columns: string[] | null = null;
  let pending = '';
  return {
    line(text, c) {
      const record = pending ? `${pending}\n${text}` : text;
      if (record.trim().length === 0) return c.skip('blank');
      const fields = splitCsv(record);
      if (fields === null) {
        pending = record;
        return c.skip('quoted field continued on the next line');
      }
      pending = '';
      if (columns === null) {
        columns = fields.map((f) => f.trim().toLowerCase());
        if (columns[0] === 'url' && columns[1] === 'category_code') return c.skip('header');
        c.error(`expected the header "${CITIZENLAB_HEADER.join(',')}"`);
        columns = CITIZENLAB_HEADER;
        return;
      }
      if (fields.length !== columns.length)
        return c.error(`expected ${columns.length} fields, got ${fields.length}`);
      const rule = parseCitizenlabUrl(fields[0].trim(), c);
      if (typeof rule === 'string') return c.error(rule);
      const code = fields[1].trim() || '(none)';
      c.categories ??= {};
      c.categories[code] = (c.categories[code] ?? 0) + 1;
      c.rule(rule);
    },
    finish(c) {
      if (pending) c.error('unclosed quoted field at end of file');
    },
  };
}
