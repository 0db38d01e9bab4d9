import { currencyCodeProblem, currencyOfKey, isCurrencyCode, minorToMajor, minorUnitExponent, recognisedCurrency, recordedCurrency } from './currency';
import { decimalString, formatMinor } from './money-format';

describe('currency codes', () => {
  it('accepts exactly the upper-case active codes that have a minor unit', () => {
    for (const code of ['EUR', 'USD', 'JPY', 'BHD', 'CLF']) expect(isCurrencyCode(code)).toBe(true);
    for (const value of ['eur', 'Eur', ' EUR', 'EUR ', 'XYZ', 'XAU', 'XXX', 'HRK', '', 'EURO', 978, null, undefined, {}]) expect(isCurrencyCode(value)).toBe(false);
  });

  it('knows the exponent of each code and refuses to guess one', () => {
    expect([minorUnitExponent('JPY'), minorUnitExponent('EUR'), minorUnitExponent('BHD'), minorUnitExponent('CLF')]).toEqual([0, 2, 3, 4]);
    expect(() => minorUnitExponent('XYZ')).toThrow(RangeError);
    expect(() => minorUnitExponent('eur')).toThrow(RangeError);
  });

  it('says what is wrong, naming the field, with a hint for a code in the wrong case', () => {
    expect(currencyCodeProblem('EUR')).toBeNull();
    expect(currencyCodeProblem('eur')).toBe('currency must be the upper-case ISO 4217 code: did you mean EUR? (got "eur")');
    expect(currencyCodeProblem(' usd ', 'lines[0].currency')).toContain('lines[0].currency must be the upper-case ISO 4217 code: did you mean USD?');
    expect(currencyCodeProblem('XYZ')).toBe('currency "XYZ" is not an active ISO 4217 currency code (e.g. EUR, USD, JPY)');
    expect(currencyCodeProblem('xau')).toContain('currency XAU has no minor unit in ISO 4217');
    expect(currencyCodeProblem(978)).toBe('currency must be an ISO 4217 currency code as a string, such as EUR');
  });

  it('reads a stored code: an active one in any case as itself, anything else apart under a key of its own', () => {
    expect(recordedCurrency('EUR')).toEqual({ key: 'EUR', code: 'EUR', exponent: 2 });
    expect(recordedCurrency(' eur')).toEqual({ key: 'EUR', code: 'EUR', exponent: 2 });
    expect(recordedCurrency('XYZ')).toEqual({ key: '?XYZ', code: 'XYZ', exponent: null });
    expect(recordedCurrency('xyz')).toEqual({ key: '?XYZ', code: 'XYZ', exponent: null });
    expect(recordedCurrency('XAU')).toEqual({ key: '?XAU', code: 'XAU', exponent: null });
    expect(recordedCurrency('e.u$')).toEqual({ key: '?E_U_', code: 'E.U$', exponent: null });
    expect(recordedCurrency(undefined)).toEqual({ key: '?_', code: '?', exponent: null });
    expect(recordedCurrency(42)).toEqual({ key: '?_', code: '?', exponent: null });
    expect(currencyOfKey('EUR')).toEqual(recordedCurrency('EUR'));
    expect(currencyOfKey('?XYZ')).toEqual(recordedCurrency('XYZ'));
    expect(recognisedCurrency('jpy')).toBe('JPY');
    expect(recognisedCurrency('XYZ')).toBeNull();
  });

  it('turns minor units into major units with the exponent', () => {
    expect(minorToMajor(1500, 'JPY')).toBe(1500);
    expect(minorToMajor(1500, 'EUR')).toBe(15);
    expect(minorToMajor(1500, 'BHD')).toBe(1.5);
    expect(minorToMajor(15000, 'CLF')).toBe(1.5);
  });
});

describe('formatting minor units', () => {
  it('places the decimal point by the exponent, with exact digits', () => {
    expect(formatMinor(5990, 'EUR')).toBe('59.90 EUR');
    expect(formatMinor(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMinor(-5, 'EUR')).toBe('-0.05 EUR');
    expect(formatMinor(5990, 'JPY')).toBe('5990 JPY');
    expect(formatMinor(5990, 'BHD')).toBe('5.990 BHD');
    expect(formatMinor(12345, 'CLF')).toBe('1.2345 CLF');
    expect(decimalString(900719925474099, 2)).toBe('9007199254740.99');
  });

  it('shows a stored code that is not recognised in minor units and says so', () => {
    expect(formatMinor(5990, 'eur')).toBe('59.90 EUR');
    expect(formatMinor(5990, 'XYZ')).toBe('5990 XYZ (minor units, unrecognised currency)');
  });
});
