// How figures read on screen: money from minor units, dates in the agent's locale, durations, words.

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
