import { ConfigError } from '@app/platform';
import { analyticsSettings, loadAnalyticsConfig } from './analytics-config';

describe('analytics configuration', () => {
  it('has defaults and reads ANALYTICS_* as numbers', () => {
    expect(analyticsSettings(loadAnalyticsConfig({}))).toEqual({ margin: 0.3, discountRate: 0.1, horizonMonths: 12, horizonDays: 90 });
    expect(loadAnalyticsConfig({}).ANALYTICS_REFIT_INTERVAL_MS).toBe(3_600_000);
    expect(analyticsSettings(loadAnalyticsConfig({ ANALYTICS_MARGIN: '0.45', ANALYTICS_CLV_HORIZON_MONTHS: '24', UNRELATED: 'x' }), 30)).toEqual({
      margin: 0.45, discountRate: 0.1, horizonMonths: 24, horizonDays: 30,
    });
  });

  it('refuses values out of range, naming each variable', () => {
    let error: unknown;
    try {
      loadAnalyticsConfig({ ANALYTICS_MARGIN: '1.5', ANALYTICS_CLV_HORIZON_MONTHS: '0.5', ANALYTICS_DISCOUNT_RATE: 'abc', ANALYTICS_REFIT_INTERVAL_MS: '-1' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['ANALYTICS_MARGIN', 'ANALYTICS_CLV_HORIZON_MONTHS', 'ANALYTICS_DISCOUNT_RATE', 'ANALYTICS_REFIT_INTERVAL_MS']) expect(problems).toMatch(name);
  });
});
