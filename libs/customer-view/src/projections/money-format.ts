// Minor units (cents) to a display amount for timeline summaries: `5990, EUR` → `59.90 EUR`.

/** ISO 4217 currencies whose minor unit is not 1/100. */
const MINOR_UNIT_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

/** Integer arithmetic on the digits, so no float rounding ever shows in a summary. */
export function formatMinor(amountMinor: number, currency: string): string {
  const digits = MINOR_UNIT_DIGITS[currency.toUpperCase()] ?? 2;
  const sign = amountMinor < 0 ? '-' : '';
  const text = String(Math.abs(Math.round(amountMinor))).padStart(digits + 1, '0');
  const amount = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${sign}${amount} ${currency}`;
}
