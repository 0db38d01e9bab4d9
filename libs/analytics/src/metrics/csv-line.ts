// CSV per RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; lines end CRLF.
// Text is neutralised first, because older events may hold what the API now refuses: controls and
// line breaks become a space, bidi controls are dropped, a lone surrogate becomes U+FFFD (one record
// stays one line, and a NUL or an RLO never reaches the analyst's tools). A field that starts, after
// any white space, with = + - @ (or their full-width forms) gets a leading apostrophe so a spreadsheet
// opening the export does not run it as a formula (CSV injection); numbers are written as they are.
import { neutraliseText } from '@app/event-sourcing';

export type CsvValue = string | number | null;

const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = neutraliseText(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
