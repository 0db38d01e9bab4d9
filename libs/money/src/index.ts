// Money: ISO 4217 codes and exponents, how stored codes read back, formatting. Pure; the DTO
// decorator is in `@app/money/validation/is-currency-code`.
export * from './currency';
export * from './money-format';
export { ISO_4217_LIST_ONE, ISO_4217_SOURCE_DATE, type Iso4217Row } from './iso-4217.data';
