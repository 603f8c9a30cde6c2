/**
 * Parsing a bulk import (CSV with a header row, or a JSON array of objects) into validated
 * subscribers. All or nothing: every bad row is reported (CSV by line, JSON by index, each with its
 * field) and nothing is returned unless every row is good.
 */
import { GatehouseError } from '../../core/errors.js';
import { parseCsv } from './csv.js';
import { formatProblem, ROW_FIELDS, type RowProblem, type Subscriber, validateRow } from './model.js';

/** Import formats. */
export type ImportFormat = 'csv' | 'json';

/** At most this many problems are listed (the count says how many more there were). */
const MAX_LISTED = 200;

/** Header spellings: `document_number`, `documentNumber`, `Document Number` are one column. */
const fold = (h: string) => h.toLowerCase().replace(/[\s_-]/g, '');
const COLUMNS = new Map<string, string>([...ROW_FIELDS, 'isp'].map((f) => [fold(f), f]));

interface RawRow {
  readonly where: string;
  /** Null when the row is not even an object: nothing more to say about its fields. */
  readonly values: Record<string, unknown> | null;
  /** Problems of the row's shape, found while parsing. */
  readonly shape: RowProblem[];
}

function refuse(what: string, problems: readonly string[], total = problems.length): never {
  const listed = problems.slice(0, MAX_LISTED);
  if (total > listed.length) listed.push(`… and ${total - listed.length} more`);
  throw new GatehouseError(
    'GH_ERR_SUBSCRIBER_INVALID',
    `importing subscribers: ${what}; nothing was imported`,
    listed,
  );
}

function csvRows(body: string, problems: RowProblem[]): RawRow[] {
  const { records, errors } = parseCsv(body);
  for (const e of errors) problems.push({ where: `line ${e.line}`, field: '(csv)', message: e.message });
  const [header, ...rest] = records;
  if (header === undefined) return [];
  const before = problems.length;
  const names = header.fields.map((h) => COLUMNS.get(fold(h)));
  header.fields.forEach((h, i) => {
    if (names[i] === undefined)
      problems.push({ where: `line ${header.line}`, field: h, message: 'unknown column' });
    else if (names.indexOf(names[i]) !== i)
      problems.push({ where: `line ${header.line}`, field: h, message: 'column given twice' });
  });
  for (const f of ROW_FIELDS) {
    if (!names.includes(f))
      problems.push({ where: `line ${header.line}`, field: f, message: 'column missing from the header' });
  }
  // Without a usable header no row can be read.
  if (problems.length > before) return [];
  return rest.map((r) => {
    const where = `line ${r.line}`;
    const shape: RowProblem[] = [];
    if (r.fields.length !== names.length) {
      shape.push({
        where,
        field: '(csv)',
        message: `has ${r.fields.length} fields, the header has ${names.length}`,
      });
    }
    const values: Record<string, unknown> = {};
    names.forEach((n, i) => {
      if (n !== undefined) values[n] = r.fields[i];
    });
    return { where, values, shape };
  });
}

function jsonRows(body: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    refuse(`the body is not JSON (${(err as Error).message})`, []);
  }
  if (!Array.isArray(parsed)) refuse('expected a JSON array of subscriber objects', []);
  return parsed.map((item, i) => {
    const where = `[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return { where, values: null, shape: [{ where, field: '(row)', message: 'must be an object' }] };
    }
    const shape: RowProblem[] = [];
    for (const key of Object.keys(item)) {
      // JSON field names are exact (camelCase); CSV headers may be spelled loosely.
      if (COLUMNS.get(fold(key)) !== key) shape.push({ where, field: key, message: 'unknown field' });
    }
    return { where, values: item as Record<string, unknown>, shape };
  });
}

/**
 * Parses and validates an import for `isp`. A row may name its ISP (column or field `isp`); it must
 * then be `isp`. GH_ERR_SUBSCRIBER_INVALID lists every problem; a subscriber id given twice is one.
 */
export function parseImport(isp: string, format: ImportFormat, body: string, now: number): Subscriber[] {
  if (format !== 'csv' && format !== 'json')
    refuse(`unknown format ${JSON.stringify(format)} (csv or json)`, []);
  const problems: RowProblem[] = [];
  const raw = format === 'csv' ? csvRows(body, problems) : jsonRows(body);
  const out: Subscriber[] = [];
  const seen = new Map<string, string>();
  for (const { where, values, shape } of raw) {
    problems.push(...shape);
    if (values === null) continue;
    if (values.isp !== undefined && values.isp !== '' && values.isp !== isp) {
      problems.push({
        where,
        field: 'isp',
        message: `must be ${JSON.stringify(isp)} (the ISP imported for), or empty`,
      });
    }
    const result = validateRow(isp, values, where, now);
    if (Array.isArray(result)) {
      problems.push(...result);
      continue;
    }
    const first = seen.get(result.id);
    if (first !== undefined)
      problems.push({ where, field: 'id', message: `${JSON.stringify(result.id)} is already at ${first}` });
    seen.set(result.id, where);
    out.push(result);
  }
  if (problems.length > 0) {
    // In file order (syntax errors are found before the rows are read); the sort is stable.
    const at = (p: RowProblem) => Number(/\d+/.exec(p.where)?.[0] ?? 0);
    problems.sort((a, b) => at(a) - at(b));
    const rows = new Set(problems.map((p) => p.where)).size;
    refuse(`${problems.length} problem(s) in ${rows} row(s)`, problems.map(formatProblem));
  }
  return out;
}
