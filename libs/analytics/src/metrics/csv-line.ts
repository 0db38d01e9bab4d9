// CSV per RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; lines end CRLF.
// A field starting with = + - @ (or tab/CR) gets a leading apostrophe so a spreadsheet opening the
// export does not run it as a formula (CSV injection); numbers are written as they are.

export type CsvValue = string | number | null;

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
