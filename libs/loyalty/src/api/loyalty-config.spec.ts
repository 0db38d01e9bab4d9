import { ConfigError } from '@app/platform';
import { loadLoyaltyConfig } from './loyalty-config';

describe('loadLoyaltyConfig', () => {
  it('has sensible defaults: 1 point per unit, bronze/silver/gold at 0/500.00/2000.00, 24 months, hourly sweep', () => {
    const { config, program } = loadLoyaltyConfig({}, 'EUR');
    expect(program).toEqual({
      currency: 'EUR',
      pointsPerMajorUnit: 1,
      categoryMultipliers: {},
      tiers: [
        { name: 'bronze', thresholdMinor: 0, multiplier: 1 },
        { name: 'silver', thresholdMinor: 500_00, multiplier: 1.25 },
        { name: 'gold', thresholdMinor: 2000_00, multiplier: 1.5 },
      ],
      expiryMonths: 24,
    });
    expect(config).toMatchObject({ LOYALTY_SWEEP_INTERVAL_MS: 3_600_000, LOYALTY_REACTOR: true, LOYALTY_REACTOR_BATCH_SIZE: 200 });
  });

  it('reads the programme from the environment', () => {
    const { config, program } = loadLoyaltyConfig({
      LOYALTY_POINTS_PER_UNIT: '2', LOYALTY_CATEGORY_MULTIPLIERS: 'electronics=3, giftcards=0', LOYALTY_TIERS: 'basic:0:1,vip:100000:2',
      LOYALTY_EXPIRY_MONTHS: '6', LOYALTY_SWEEP_INTERVAL_MS: '0', LOYALTY_REACTOR: 'false',
    }, 'JPY');
    expect(program).toMatchObject({ currency: 'JPY', pointsPerMajorUnit: 2, categoryMultipliers: { electronics: 3, giftcards: 0 }, expiryMonths: 6, tiers: [{ name: 'basic' }, { name: 'vip', thresholdMinor: 100_000, multiplier: 2 }] });
    expect(config).toMatchObject({ LOYALTY_SWEEP_INTERVAL_MS: 0, LOYALTY_REACTOR: false });
  });

  it('fails naming the bad variable', () => {
    expect(() => loadLoyaltyConfig({ LOYALTY_EXPIRY_MONTHS: 'soon' }, 'EUR')).toThrow(/LOYALTY_EXPIRY_MONTHS/);
    expect(() => loadLoyaltyConfig({ LOYALTY_TIERS: 'gold:100:2' }, 'EUR')).toThrow(ConfigError);
    expect(() => loadLoyaltyConfig({ LOYALTY_TIERS: 'gold:100:2' }, 'EUR')).toThrow(/first tier must start at thresholdMinor 0/);
    expect(() => loadLoyaltyConfig({ LOYALTY_CATEGORY_MULTIPLIERS: 'shoes' }, 'EUR')).toThrow(/LOYALTY_CATEGORY_MULTIPLIERS/);
  });
});
