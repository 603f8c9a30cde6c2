/**
 * Durations and byte sizes as people write them in configuration files
 * (`500ms`, `10s`, `7d`, `1h30m`; `64MiB`, `16KiB`), and back again for docs and messages.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses `500ms`, `10s`, `5m`, `2h`, `7d`, `1w` or a sum such as `1h30m` into milliseconds, or null. */
export function parseDuration(text: string): number | null {
  if (!DURATION_WHOLE.test(text)) return null;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) ms += Number(amount) * DURATION_UNITS[unit];
  ms = Math.round(ms);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Formats milliseconds in the largest unit that divides them exactly (`604800000` → `7d`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};
const BYTES = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|kB|KB|MB|GB|TB)?$/;

/** Parses `64MiB`, `16KiB`, `1GB` or a bare `4096` into bytes, or null. */
export function parseBytes(text: string): number | null {
  const m = BYTES.exec(text);
  if (!m) return null;
  const bytes = Math.round(Number(m[1]) * BYTE_UNITS[m[2] ?? 'B']);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Formats bytes in the largest binary unit that divides them exactly (`67108864` → `64MiB`). */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const size = BYTE_UNITS[unit];
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
