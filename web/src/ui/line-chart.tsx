/**
 * A small line chart drawn as inline SVG: no chart library, no canvas, so it prints, scales and is
 * readable by screen readers (<title>, <desc> and a text summary of each line's latest value).
 */
import { useId } from 'react';

/** One line: a name for the legend and values, oldest first, one per `step` seconds (null: no data). */
export interface ChartLine {
  name: string;
  values: readonly (number | null)[];
}

/** Runs of consecutive known points, so a gap in the data is a gap in the line, not a drop to zero. */
function segments(values: readonly (number | null)[], offset: number): [number, number][][] {
  const out: [number, number][][] = [];
  let run: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (run.length > 0) out.push(run);
      run = [];
    } else run.push([i + offset, v]);
  });
  if (run.length > 0) out.push(run);
  return out;
}

const known = (values: readonly (number | null)[]): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

const W = 320;
const H = 120;
const PAD = { left: 34, right: 6, top: 8, bottom: 18 };

function compact(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  if (a >= 10 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(2);
}

/** Rounds a maximum up to 1, 2 or 5 × 10^k so the grid lines fall on readable values. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (max <= m * p) return m * p;
  return 10 * p;
}

/** A line chart of `lines` over the last `values.length × step` seconds. */
export function LineChart({
  title,
  unit,
  lines,
  step,
  format = compact,
}: {
  title: string;
  unit: string;
  lines: readonly ChartLine[];
  step: number;
  format?: (n: number) => string;
}) {
  const id = useId();
  const points = Math.max(2, ...lines.map((l) => l.values.length));
  const max = niceMax(Math.max(0, ...lines.flatMap((l) => known(l.values))));
  const x = (i: number) => PAD.left + (i / (points - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const minutes = Math.round(((points - 1) * step) / 60);
  const latest = lines.map((l) => ({ name: l.name, value: known(l.values).at(-1) }));
  const summary = latest
    .map((l) => `${l.name}: ${l.value === undefined ? 'no data' : `${format(l.value)} ${unit}`}`)
    .join('; ');

  return (
    <figure className="chart">
      <figcaption id={`${id}-cap`}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>
          {`Last ${minutes} minutes, one point every ${step} seconds, scale 0 to ${format(max)} ${unit}. Latest ${summary}.`}
        </desc>
        {[0, 0.5, 1].map((f) => (
          <g key={f} className="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text x={PAD.left - 4} y={y(max * f) + 3} textAnchor="end">
              {format(max * f)}
            </text>
          </g>
        ))}
        <text className="axis" x={PAD.left} y={H - 4}>
          −{minutes} min
        </text>
        <text className="axis" x={W - PAD.right} y={H - 4} textAnchor="end">
          now
        </text>
        {lines.map((l, n) => (
          <g key={l.name} className={`line line-${n % 6}`}>
            {segments(l.values, points - l.values.length).map((seg) => (
              <polyline
                key={seg[0][0]}
                points={seg.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
              />
            ))}
          </g>
        ))}
      </svg>
      <ul className="legend" aria-label={`${title}, latest values`}>
        {latest.map((l, n) => (
          <li key={l.name}>
            <span className={`swatch line-${n % 6}`} aria-hidden="true" />
            {l.name}: <strong>{l.value === undefined ? 'no data' : format(l.value)}</strong> {unit}
          </li>
        ))}
      </ul>
    </figure>
  );
}
