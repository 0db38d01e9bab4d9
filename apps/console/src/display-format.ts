// How figures read on screen: money from minor units, dates in the agent's locale, relative times and
// SLA countdowns, durations, words.

/**
 * Minor units in the agent's locale with the currency's own ISO 4217 exponent, which the server
 * sends beside every amount (JPY 0 → `¥1,500`, EUR 2 → `€59.90`, BHD 3 → `BHD 12.345`). A code
 * the server could not recognise (exponent null, from events stored before validation) is shown
 * as recorded, in minor units, and says so: guessing two decimals would misstate it.
 */
export function money(minor: number | null | undefined, currency: string, exponent: number | null, locale?: string): string {
  if (minor === null || minor === undefined) return '—';
  if (exponent === null) return `${minor} ${currency} (minor units, unrecognised currency)`;
  const major = minor / 10 ** exponent;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }).format(major);
  } catch {
    return `${major.toFixed(exponent)} ${currency}`;
  }
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000], ['month', 30 * 86_400_000], ['week', 7 * 86_400_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000],
];

/** `3 hours ago`, `in 25 minutes`, `just now`: the largest unit that fits, in the agent's language. */
export function relativeTime(iso: string | null | undefined, now: Date = new Date(), locale?: string): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const diff = at - now.getTime();
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  // Rounded, not cut: 23 months ago is "2 years ago", not "last year".
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  return diff > 0 ? format.format(1, 'minute') : 'just now';
}

/** A span as an agent reads it: `45 min`, `2 h 5 min`, `3 d 4 h`. */
export function span(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${Math.max(minutes, 1)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** An SLA deadline from now: `due in 25 min` or `overdue by 2 h`, and whether it is past. */
export function countdown(dueAt: string, now: Date = new Date()): { readonly text: string; readonly overdue: boolean } {
  const left = Date.parse(dueAt) - now.getTime();
  return left >= 0 ? { text: `due in ${span(left)}`, overdue: false } : { text: `overdue by ${span(left)}`, overdue: true };
}

/**
 * A call's length as an agent types it: whole seconds (`95`) or minutes and seconds (`1:35`,
 * `1m 35s`, `2 min`). Anything else gets a message that says what to type, never "required".
 */
export function parseDuration(text: string): { readonly seconds: number } | { readonly problem: string } {
  const value = text.trim().toLowerCase();
  const example = 'Type whole seconds (95) or minutes and seconds (1:35 or 1m 35s).';
  if (value === '') return { problem: 'Enter how long the call took. ' + example };
  let match = /^(\d{1,5})\s*(s|sec|secs|seconds?)?$/.exec(value);
  if (match) return { seconds: Number(match[1]) };
  match = /^(\d{1,4}):([0-5]\d)$/.exec(value);
  if (match) return { seconds: Number(match[1]) * 60 + Number(match[2]) };
  match = /^(?:(\d{1,4})\s*(?:m|min|mins|minutes?))?\s*(?:(\d{1,5})\s*(?:s|sec|secs|seconds?))?$/.exec(value);
  if (match && (match[1] !== undefined || match[2] !== undefined)) return { seconds: Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) };
  if (/^-/.test(value)) return { problem: `A call cannot last “${text.trim()}”. ${example}` };
  return { problem: `“${text.trim()}” is not a length Chronicle can record: calls are recorded in whole seconds. ${example}` };
}

export function score(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${Math.round(share * 100)} %`;
}

/** `follow_up` → `follow up`, `marketingEmail` → `marketing email`. */
export function words(key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** `follow_up` → `Follow up`. */
export function sentence(key: string): string {
  const text = words(key);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A count with its noun in the right number: `1 interaction`, `2 interactions`, `1 reply`, `3 replies`. */
export function counted(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A phone number as dialled (`+44 20 7123 4567`, `0044 (20) 7123-4567`, `+44.20.7123.4567`) in the
 * strict E.164 form the API takes (`+442071234567`): spaces, hyphens, dots and parentheses go, a
 * leading 00 becomes +. Anything else is left as typed, for the API to refuse by name.
 */
export function dialledPhone(text: string): string {
  const compact = text.trim().replace(/[\s\-.()]/g, '');
  return /^00\d/.test(compact) ? `+${compact.slice(2)}` : compact;
}
