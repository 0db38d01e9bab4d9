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

describe('console session settings', () => {
  it('default to 30 idle minutes and 12 hours, with no secret (one is kept in DATA_DIR)', () => {
    const config = loadConfig({});
    expect([config.SESSION_IDLE_MINUTES, config.SESSION_MAX_HOURS, config.SESSION_SECRET]).toEqual([30, 12, undefined]);
  });

  it('refuse a short secret without quoting it, with the other bad settings of the same start', () => {
    const secret = 'short-secret-value';
    let error: unknown;
    try {
      loadConfig({ SESSION_SECRET: secret, SESSION_IDLE_MINUTES: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([expect.stringMatching(/^SESSION_IDLE_MINUTES="0"/), expect.stringMatching(/^SESSION_SECRET is set but has 18 characters: give at least 32/)]);
    expect(problems.join('\n')).not.toContain(secret);
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }).SESSION_SECRET).toHaveLength(32);
  });
});
