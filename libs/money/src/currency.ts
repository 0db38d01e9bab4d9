// ISO 4217 currency codes and their minor-unit exponents: which codes a money input may carry, and
// how a code already stored in an event (possibly before validation was strict) is read back.
// Pure: no I/O, no framework; every capability's domain and projections may use it.
import { ISO_4217_LIST_ONE } from './iso-4217.data';

/** An upper-case active ISO 4217 code that has a minor unit (EUR, JPY, BHD, CLF...). */
export type CurrencyCode = string;

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  ISO_4217_LIST_ONE.filter((row) => row[2] !== null).map(([code, , minorUnit]) => [code, minorUnit as number]),
);

/** Active codes ISO gives no minor unit (XAU, XDR, XTS, XXX...): no amount in minor units can use them. */
const WITHOUT_MINOR_UNIT: ReadonlySet<string> = new Set(ISO_4217_LIST_ONE.filter((row) => row[2] === null).map(([code]) => code));

/** Every code a money input accepts, sorted. */
export const CURRENCY_CODES: readonly CurrencyCode[] = [...EXPONENTS.keys()].sort();

/** Exactly an upper-case active ISO 4217 code with a minor unit; `eur` and ` EUR` are not. */
export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && EXPONENTS.has(value);
}

/** Digits after the decimal point: JPY 0, EUR 2, BHD 3, CLF 4. Throws for anything but a CurrencyCode. */
export function minorUnitExponent(code: CurrencyCode): number {
  const exponent = EXPONENTS.get(code);
  if (exponent === undefined) throw new RangeError(`${JSON.stringify(code)} is not an ISO 4217 currency code with a minor unit`);
  return exponent;
}

/**
 * Why `value` is not a CurrencyCode, as a sentence naming `field` (with a hint where one helps), or
 * null when it is one. Input is never corrected silently: `eur` is refused with "did you mean EUR".
 */
export function currencyCodeProblem(value: unknown, field = 'currency'): string | null {
  if (isCurrencyCode(value)) return null;
  if (typeof value !== 'string') return `${field} must be an ISO 4217 currency code as a string, such as EUR`;
  const normalised = value.trim().toUpperCase();
  if (EXPONENTS.has(normalised)) return `${field} must be the upper-case ISO 4217 code: did you mean ${normalised}? (got ${JSON.stringify(value)})`;
  if (WITHOUT_MINOR_UNIT.has(normalised)) {
    return `${field} ${normalised} has no minor unit in ISO 4217 (a precious metal, fund unit, SDR or testing code), so no amount in minor units can use it`;
  }
  return `${field} ${JSON.stringify(value)} is not an active ISO 4217 currency code (e.g. EUR, USD, JPY)`;
}

/**
 * A currency as read back from a stored event. Events written before codes were validated may
 * hold `eur` or `XYZ`: such a code is trimmed and upper-cased; if it then is an active code it
 * reads as that code (so `eur` counts as EUR), otherwise it stays apart under its own key with no
 * exponent, never added to any other currency and never formatted as if it had decimals.
 */
export interface RecordedCurrency {
  /** Where per-currency figures file it: the code, or for an unrecognised one a safe map key of its own. */
  readonly key: string;
  /** The code to show: the ISO code, or the stored code (trimmed, upper-cased) when unrecognised. */
  readonly code: string;
  /** Null when the code is not an active ISO 4217 code with a minor unit. */
  readonly exponent: number | null;
}

export function recordedCurrency(raw: unknown): RecordedCurrency {
  const code = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  const exponent = EXPONENTS.get(code);
  if (exponent !== undefined) return { key: code, code, exponent };
  // Keys stay usable as MongoDB field names and never collide with a recognised code's key.
  const safe = code.replace(/[^A-Z0-9]/g, '_');
  return { key: `?${safe === '' ? '_' : safe}`, code: code === '' ? '?' : code, exponent: null };
}

/** The RecordedCurrency a per-currency map key (RecordedCurrency.key) stands for. */
export function currencyOfKey(key: string): RecordedCurrency {
  return key.startsWith('?') ? { key, code: key.slice(1), exponent: null } : recordedCurrency(key);
}

/** The ISO code a stored currency reads as, or null when it is not a recognised one. */
export function recognisedCurrency(raw: unknown): CurrencyCode | null {
  const recorded = recordedCurrency(raw);
  return recorded.exponent === null ? null : recorded.code;
}

/** amountMinor in major units (a number: for rates such as points per major unit, never for sums). */
export function minorToMajor(amountMinor: number, code: CurrencyCode): number {
  return amountMinor / 10 ** minorUnitExponent(code);
}
