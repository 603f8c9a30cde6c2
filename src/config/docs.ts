/**
 * Renders the configuration reference (`docs/config.md`) and the commented example file
 * (`docs/gatehouse.example.yaml`) from the schema, so the docs cannot drift from the code.
 */
import { renderErrorDocs } from '../core/errors-doc.js';
import { markdownTable } from '../core/markdown.js';
import type { AnyField } from './field.js';
import { defaultConfig } from './load.js';
import { schema } from './schema.js';

/** The command that regenerates every generated doc. */
export const DOCS_COMMAND = 'npm run docs';

interface Row {
  readonly path: string;
  readonly field: AnyField;
}

/** Every leaf key (and list of mappings) of the schema, depth first, grouped under its section. */
function sections(): Array<{ name: string; doc: string; rows: Row[] }> {
  const top = { name: '', doc: 'Keys at the top level of the file.', rows: [] as Row[] };
  const out = [top];
  for (const [key, field] of Object.entries(schema.children ?? {})) {
    if (field.children) {
      const section = { name: key, doc: field.doc, rows: [] as Row[] };
      collect(field, key, section.rows);
      out.push(section);
    } else top.rows.push({ path: key, field });
  }
  return out;
}

function collect(field: AnyField, path: string, rows: Row[]): void {
  if (field.children) {
    for (const [key, child] of Object.entries(field.children)) collect(child, `${path}.${key}`, rows);
    return;
  }
  rows.push({ path, field });
  if (field.item?.children) {
    for (const [key, child] of Object.entries(field.item.children)) collect(child, `${path}[].${key}`, rows);
  }
}

function defaultText(field: AnyField): string {
  if (field.derive) return field.derive.text;
  if (field.default !== undefined) return JSON.stringify(field.default).replace(/^"(.*)"$/, '$1');
  return field.optional ? '(unset)' : '(required)';
}

/** The Markdown reference of every configuration key: path, type, default and meaning. */
export function renderConfigDocs(): string {
  const lines = [
    '# Configuration reference',
    '',
    `<!-- Generated from src/config/schema.ts by \`${DOCS_COMMAND}\`. Do not edit by hand. -->`,
    '',
    'Gatehouse reads one YAML file (`gatehouse start --config FILE`). Every key is optional: without a',
    'file, the defaults run the whole gateway on loopback addresses and unprivileged ports.',
    '',
    '- Unknown keys are errors; every error is reported at once, with its path',
    '  (`dns.listen[0].port: expected 0..65535, got 70000`).',
    '- Durations: `500ms`, `10s`, `5m`, `2h`, `7d`, `1w` or sums such as `1h30m`; loaded as milliseconds.',
    '- Sizes: `512B`, `16KiB`, `64MiB`, `1GiB` (or `kB`, `MB`, `GB` in powers of 1000); loaded as bytes.',
    '- Addresses: `ADDR:PORT` with IP literals only, IPv6 in brackets (`[::1]:53`); port 0 picks a free port.',
    '- A key left empty (`key:` with nothing after it) takes its default.',
    '- See [gatehouse.example.yaml](gatehouse.example.yaml) for a commented file with every default.',
  ];
  for (const s of sections()) {
    lines.push('', `## ${s.name === '' ? 'Top level' : `\`${s.name}\``}`, '', s.doc, '');
    const rows = s.rows.map(({ path, field }) => [
      `\`${path}\``,
      field.type,
      `\`${defaultText(field)}\``,
      field.doc,
    ]);
    lines.push(...markdownTable(['Key', 'Type', 'Default', 'Description'], rows));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A YAML file with every key at its default, each under its doc line, all commented out:
 * uncommenting a key and its section (strip the leading `# `) gives valid YAML.
 */
export function renderExampleConfig(): string {
  const lines = [
    '# Gatehouse configuration: every key at its default, under its doc line.',
    `# Generated from src/config/schema.ts by \`${DOCS_COMMAND}\`; the reference is docs/config.md.`,
    '# Uncomment (remove the leading "# ") the keys to change and the sections that hold them;',
    '# anything left out keeps its default.',
  ];
  const defaults = defaultConfig();
  const walk = (field: AnyField, key: string, indent: string) => {
    lines.push('#');
    if (field.doc !== '') lines.push(`# ${indent}# ${field.doc}`);
    if (field.children) {
      lines.push(`# ${indent}${key}:`);
      for (const [k, child] of Object.entries(field.children)) walk(child, k, `${indent}  `);
      return;
    }
    const example = field.derive ? field.derive.from(defaults as never) : field.default;
    if (field.derive) lines.push(`# ${indent}# (default: ${field.derive.text})`);
    lines.push(`# ${indent}${key}: ${example === undefined ? '' : JSON.stringify(example)}`.trimEnd());
  };
  for (const [k, child] of Object.entries(schema.children ?? {})) walk(child, k, '');
  return `${lines.join('\n')}\n`;
}

/** Every generated doc: its path from the repository root and how to render it. */
export const GENERATED_DOCS: ReadonlyArray<{ readonly path: string; readonly render: () => string }> = [
  { path: 'docs/config.md', render: renderConfigDocs },
  { path: 'docs/gatehouse.example.yaml', render: renderExampleConfig },
  { path: 'docs/errors.md', render: renderErrorDocs },
];
