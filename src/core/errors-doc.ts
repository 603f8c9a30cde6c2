/**
 * Renders `docs/errors.md` from the error catalogue; `errors.test.ts` keeps the file in sync.
 */
import { ERRORS } from './errors.js';
import { markdownTable } from './markdown.js';

/** The Markdown table of every error code: code, HTTP status and meaning. */
export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/core/errors.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every error Gatehouse raises on purpose carries a stable `code` (`GH_ERR_<AREA>_<WHAT>`).',
    'Match on the code, never on the message text. The control plane answers each code with',
    'the HTTP status below.',
    '',
  ];
  const rows = Object.entries(ERRORS).map(([code, spec]) => [
    `\`${code}\``,
    String(spec.http),
    spec.description,
  ]);
  lines.push(...markdownTable(['Code', 'HTTP', 'Description'], rows));
  return `${lines.join('\n')}\n`;
}
