/**
 * List formats in and out: the public surface of `policy/formats`.
 * Importers turn hosts, domain, adblock, RPZ and Citizen Lab lists into rules; exporters write
 * rules as RPZ, hosts, Unbound and nftables. Semantics: docs/formats.md.
 */
export { type ExportResult, type ExportSummary, exportRules, writeRules } from './export.js';
export { EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export-options.js';
export { importList, isListFormat, parseListText } from './import.js';
export {
  formatLineError,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  LIST_FORMATS,
  type LineError,
  type ListFormat,
  type WarningCount,
} from './summary.js';
