/**
 * CSV as RFC 4180 §2 defines it: records separated by CRLF (a bare LF is accepted too), fields
 * separated by commas, a field in double quotes may hold commas, line breaks and `""` for a quote.
 * Every record carries the physical line it starts on, so a bad row is reported where an editor
 * shows it even when an earlier field spans lines.
 */

/** One record: its fields and the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** A syntax error: where, and what. */
export interface CsvError {
  readonly line: number;
  readonly message: string;
}

/** What `parseCsv` found: the records (blank lines skipped) and every syntax error. */
export interface CsvResult {
  readonly records: CsvRecord[];
  readonly errors: CsvError[];
}

/** Parses `text` (a leading UTF-8 BOM is ignored). */
export function parseCsv(text: string): CsvResult {
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let start = 1;
  let fields: string[] = [];
  let field = '';
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    // A line with nothing on it is not a record (RFC 4180 allows none; editors leave them at the end).
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '"' && field === '') {
      // RFC 4180 §2.5–2.7: a quoted field; `""` inside is one quote.
      const opened = line;
      let closed = false;
      for (i++; i < s.length; i++) {
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i++;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (s[i] === '\n') line++;
        field += s[i];
      }
      if (!closed) {
        errors.push({ line: opened, message: 'quoted field is not closed before the end of the file' });
        break;
      }
      const next = s[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        errors.push({ line, message: 'text after a closing quote (a quote inside a field must be doubled)' });
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') i++;
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      // CRLF: the LF ends the record.
    } else if (c === '\n') {
      endRecord();
      line++;
      start = line;
    } else if (c === '"') {
      errors.push({ line, message: 'a quote inside an unquoted field (quote the whole field)' });
      field += c;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { records, errors };
}
