import { ConfigError, loadConfig } from './chronicle-config';

describe('REPORTING_CURRENCY', () => {
  it('is EUR unless set, and takes any upper-case ISO 4217 code with a minor unit', () => {
    expect(loadConfig({}).REPORTING_CURRENCY).toBe('EUR');
    expect(loadConfig({ REPORTING_CURRENCY: 'JPY' }).REPORTING_CURRENCY).toBe('JPY');
  });

  it.each([
    ['eur', 'REPORTING_CURRENCY="eur": REPORTING_CURRENCY must be the upper-case ISO 4217 code: did you mean EUR?'],
    ['XYZ', 'REPORTING_CURRENCY="XYZ": REPORTING_CURRENCY "XYZ" is not an active ISO 4217 currency code'],
    ['XAU', 'REPORTING_CURRENCY="XAU": REPORTING_CURRENCY XAU has no minor unit'],
  ])('stops the start on %p, naming the variable', (value, message) => {
    expect(() => loadConfig({ REPORTING_CURRENCY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REPORTING_CURRENCY: value })).toThrow(message);
  });
});
