import { ConfigError } from '@app/platform';
import { clvParameters, loadAnalyticsConfig } from './analytics-config';

describe('analytics configuration', () => {
  it('has defaults and reads ANALYTICS_* as numbers', () => {
    expect(clvParameters(loadAnalyticsConfig({}))).toEqual({ margin: 0.3, discountRate: 0.1, retentionRate: 0.8, acquisitionCostMinor: 0 });
    expect(clvParameters(loadAnalyticsConfig({ ANALYTICS_MARGIN: '0.45', ANALYTICS_ACQUISITION_COST_MINOR: '2500', UNRELATED: 'x' }))).toMatchObject({
      margin: 0.45, acquisitionCostMinor: 2500,
    });
  });

  it('refuses values that break the formula, naming each variable', () => {
    let error: unknown;
    try {
      loadAnalyticsConfig({ ANALYTICS_MARGIN: '1.5', ANALYTICS_RETENTION_RATE: '1', ANALYTICS_DISCOUNT_RATE: 'abc' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/ANALYTICS_MARGIN/);
    expect(problems).toMatch(/ANALYTICS_RETENTION_RATE/);
    expect(problems).toMatch(/ANALYTICS_DISCOUNT_RATE/);
  });
});
