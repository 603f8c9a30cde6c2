/**
 * Reading a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * counted only over given windows of the monotonic clock (the profile's timestamps and
 * `process.hrtime` share it on Linux), so the million-rule start-up does not drown the runs.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}

/**
 * Subsystems whose inclusive time is worth a line: a sample counts for one when any frame of its
 * stack matches (`url functionName`).
 */
const SUBSYSTEMS: readonly [string, RegExp][] = [
  [
    'policy rebuild (policy-feed, store, compile, zlib)',
    /\/src\/(control\/policy-feed|policy\/compile|policy\/match\/domain-table-builder|store\/)|node:zlib /,
  ],
  ['proxy (src/proxy)', /\/src\/proxy\//],
  ['dns lookups (src/dns)', /\/src\/dns\//],
  ['records (src/records)', /\/src\/records\//],
];

interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** A measured window in microseconds of the monotonic clock. */
export interface Window {
  readonly label: string;
  readonly startUs: number;
  readonly endUs: number;
}

/** Now, in microseconds of the monotonic clock (the profile's time base). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || '(anonymous)';
  if (f.url === '') return fn;
  const url = f.url.replace(/^file:\/\//, '');
  const short = url.includes('/node_modules/')
    ? url.slice(url.lastIndexOf('/node_modules/') + 14)
    : url.startsWith('node:')
      ? url
      : url.includes('/dist/')
        ? url.slice(url.indexOf('/dist/') + 6)
        : basename(url);
  return `${fn} ${short}:${f.lineNumber + 1}`;
}

/** Lines summarising the top `top` self-time functions of `file` within `window`. */
export function summarise(file: string, window: Window, top = 15): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<number, boolean[]>();
  const subsystems = (id: number): boolean[] => {
    let r = inclusive.get(id);
    if (r !== undefined) return r;
    const n = byId.get(id) as ProfileNode;
    const key = `${n.callFrame.url} ${n.callFrame.functionName}`;
    const up = parent.has(id) ? subsystems(parent.get(id) as number) : SUBSYSTEMS.map(() => false);
    r = SUBSYSTEMS.map(([, re], i) => up[i] || re.test(key));
    inclusive.set(id, r);
    return r;
  };
  const inSubsystem = SUBSYSTEMS.map(() => 0);
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const prev = t;
    t += p.timeDeltas[i];
    if (t < window.startUs || t > window.endUs) continue;
    const dt = t - prev;
    const node = byId.get(p.samples[i]);
    if (node === undefined) continue;
    total += dt;
    const name = frameName(node);
    if (name === '(idle)') idle += dt;
    subsystems(node.id).forEach((hit, k) => {
      if (hit) inSubsystem[k] += dt;
    });
    self.set(name, (self.get(name) ?? 0) + dt);
    const url = node.callFrame.url;
    const group =
      url === ''
        ? name
        : url.startsWith('node:')
          ? 'node: internals'
          : url.includes('/node_modules/')
            ? `node_modules/${url.split('/node_modules/')[1].split('/')[0]}`
            : url.includes('/dist/')
              ? url.slice(url.indexOf('/dist/') + 6)
              : basename(url);
    byFile.set(group, (byFile.get(group) ?? 0) + dt);
  }
  const busy = total - idle;
  if (busy === 0) return [`  ${window.label}: ${(total / 1e6).toFixed(1)} s sampled, nothing but idle`];
  const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(1)}%`.padStart(6);
  const lines = [
    `  ${window.label}: ${(total / 1e6).toFixed(1)} s sampled, ${pct(busy, total).trim()} busy; self time as a share of busy time:`,
  ];
  const sorted = [...self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [name, v] of sorted.slice(0, top)) lines.push(`    ${pct(v, busy)}  ${name}`);
  const files = [...byFile].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]);
  lines.push(
    `    by file: ${files
      .slice(0, 10)
      .map(([n, v]) => `${n} ${pct(v, busy).trim()}`)
      .join(', ')}`,
  );
  lines.push(
    `    inclusive: ${SUBSYSTEMS.map(([label], k) => `${label} ${pct(inSubsystem[k], busy).trim()}`).join(', ')}`,
  );
  return lines;
}
