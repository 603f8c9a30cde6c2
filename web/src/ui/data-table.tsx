/**
 * A table of API records. Columns are given, or taken from the first rows' keys; values are shown
 * as text (times ending in `At` as dates), with per-column renderers where a page needs links or buttons.
 */
import type { ReactNode } from 'react';
import { when } from './status';

type Row = Record<string, unknown>;

const TIME = /(At|Before|Due|due|Until|time|Time|^from|^to)$/;

/** Any API value as text. */
export function cellText(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && TIME.test(key) && v > 1e11) return when(v);
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The table. */
export function DataTable({
  rows,
  caption,
  columns,
  render = {},
  actions,
}: {
  rows: Row[];
  caption: string;
  columns?: string[];
  render?: Record<string, (row: Row) => ReactNode>;
  actions?: (row: Row) => ReactNode;
}) {
  if (rows.length === 0) return <p className="note">Nothing to show.</p>;
  const cols = columns ?? [...new Set(rows.slice(0, 20).flatMap((r) => Object.keys(r)))].slice(0, 9);
  return (
    <div className="scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions ? <th scope="col">Acts</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={String(r.id ?? r.ref ?? r.seq ?? i)}>
              {cols.map((c) => (
                <td key={c} className={TIME.test(c) ? 'nowrap' : undefined}>
                  {render[c] ? render[c](r) : cellText(c, r[c])}
                </td>
              ))}
              {actions ? <td>{actions(r)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The first array found in an API body (`{warrants:[…]}` → the warrants). */
export function rowsOf(body: unknown, key: string): Row[] {
  if (Array.isArray(body)) return body as Row[];
  if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    if (Array.isArray(o[key])) return o[key] as Row[];
    const first = Object.values(o).find(Array.isArray);
    if (first) return first as Row[];
  }
  return [];
}
