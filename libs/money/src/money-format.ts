// Minor units to text with the currency's own exponent: `5990 EUR` → `59.90 EUR`, `5990 JPY` →
// `5990 JPY`, `5990 BHD` → `5.990 BHD`. Integer arithmetic on the digits, so no float rounding shows.
import { recordedCurrency } from './currency';

/** Digits of |amountMinor| with the decimal point `exponent` places from the right. */
export function decimalString(amountMinor: number, exponent: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.round(amountMinor))).padStart(exponent + 1, '0');
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * `59.90 EUR`. A stored code that is not a recognised ISO 4217 code has no known exponent, so its
 * amount is shown as it was recorded, in minor units, and says so.
 */
export function formatMinor(amountMinor: number, currency: unknown): string {
  const { code, exponent } = recordedCurrency(currency);
  if (exponent === null) return `${Math.round(amountMinor)} ${code} (minor units, unrecognised currency)`;
  return `${decimalString(amountMinor, exponent)} ${code}`;
}
