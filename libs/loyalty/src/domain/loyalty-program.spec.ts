import { DEFAULT_LOYALTY_PROGRAM, InvalidLoyaltyProgramError, loyaltyProgram, tierForSpend } from './loyalty-program';
import { addMonths } from './calendar-months';

describe('loyaltyProgram', () => {
  it('accepts the default programme and picks tiers by spend', () => {
    const program = loyaltyProgram(DEFAULT_LOYALTY_PROGRAM);
    expect(tierForSpend(program, 0).name).toBe('bronze');
    expect(tierForSpend(program, 499_99).name).toBe('bronze');
    expect(tierForSpend(program, 500_00).name).toBe('silver');
    expect(tierForSpend(program, 2000_00).name).toBe('gold');
    expect(tierForSpend(program, -10).name).toBe('bronze');
  });

  it('names every problem of a bad programme', () => {
    let error: unknown;
    try {
      loyaltyProgram({
        currency: 'EUR',
        pointsPerMajorUnit: 0,
        categoryMultipliers: { shoes: -1 },
        tiers: [{ name: 'silver', thresholdMinor: 100, multiplier: 1 }, { name: 'Gold', thresholdMinor: 50, multiplier: 0 }],
        expiryMonths: 0,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidLoyaltyProgramError);
    expect((error as InvalidLoyaltyProgramError).problems).toEqual([
      'pointsPerMajorUnit must be a number above 0',
      'categoryMultipliers.shoes must be a number, 0 or more',
      'expiryMonths must be a whole number from 1 to 120',
      'the first tier must start at thresholdMinor 0',
      'tiers[1].name must be a lower-case word',
      'tiers[1].thresholdMinor must be above the previous tier\'s',
      'tiers[1].multiplier must be a number above 0',
    ]);
  });
});

describe('loyaltyProgram bounds on points', () => {
  it('refuses multipliers whose product lets one minor unit earn more than MAX_POINTS_PER_MINOR_UNIT points', () => {
    const tiers = [{ name: 'base', thresholdMinor: 0, multiplier: 2 }];
    expect(() => loyaltyProgram({ currency: 'EUR', pointsPerMajorUnit: 500, categoryMultipliers: { tv: 10 }, tiers, expiryMonths: 12 })).not.toThrow();
    expect(() => loyaltyProgram({ currency: 'EUR', pointsPerMajorUnit: 500, categoryMultipliers: { tv: 10.01 }, tiers, expiryMonths: 12 })).toThrow(/at most 10000 per EUR keeps points exact/);
    expect(() => loyaltyProgram({ currency: 'JPY', pointsPerMajorUnit: 50, categoryMultipliers: {}, tiers, expiryMonths: 12 })).not.toThrow();
    expect(() => loyaltyProgram({ currency: 'JPY', pointsPerMajorUnit: 51, categoryMultipliers: {}, tiers, expiryMonths: 12 })).toThrow(/at most 100 per JPY/);
  });
});

describe('addMonths', () => {
  it('adds calendar months in UTC and clamps to the end of shorter months', () => {
    expect(addMonths('2026-01-31T12:00:00Z', 1)).toBe('2026-02-28T12:00:00.000Z');
    expect(addMonths('2026-03-15T00:00:00Z', 12)).toBe('2027-03-15T00:00:00.000Z');
    expect(addMonths('2026-03-15T00:00:00Z', -12)).toBe('2025-03-15T00:00:00.000Z');
  });
});
