// The rules of the loyalty programme as plain, validated data: its currency, how many points a
// purchase earns, which tiers exist at which rolling 12-month net spend, and when points expire.
import { currencyCodeProblem, minorUnitExponent, type CurrencyCode } from '@app/money';

export interface TierRule {
  readonly name: string;
  /** Rolling 12-month net spend (minor units of the programme's currency) from which this tier applies. The first tier is 0. */
  readonly thresholdMinor: number;
  /** Multiplies the points a purchase earns while the customer holds this tier. */
  readonly multiplier: number;
}

export interface LoyaltyProgram {
  /**
   * The programme's currency (REPORTING_CURRENCY): tier thresholds are in its minor units, and only
   * purchases in it earn points and count toward tiers. A purchase in another currency earns 0
   * points (recorded, so the account shows why) and no tier spend: there are no exchange rates.
   */
  readonly currency: CurrencyCode;
  /** Points per major unit of `currency` (per 1.00 EUR, per 1 JPY, per 1.000 BHD). */
  readonly pointsPerMajorUnit: number;
  /** Per product category; categories not listed earn ×1. */
  readonly categoryMultipliers: Readonly<Record<string, number>>;
  /** Ascending by threshold, the first at 0. */
  readonly tiers: readonly TierRule[];
  /** Points expire this many calendar months after they were earned. */
  readonly expiryMonths: number;
}

export const DEFAULT_LOYALTY_PROGRAM: LoyaltyProgram = {
  currency: 'EUR',
  pointsPerMajorUnit: 1,
  categoryMultipliers: {},
  tiers: [
    { name: 'bronze', thresholdMinor: 0, multiplier: 1 },
    { name: 'silver', thresholdMinor: 500_00, multiplier: 1.25 },
    { name: 'gold', thresholdMinor: 2000_00, multiplier: 1.5 },
  ],
  expiryMonths: 24,
};

export class InvalidLoyaltyProgramError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid loyalty programme: ${problems.join('; ')}`);
    this.name = 'InvalidLoyaltyProgramError';
  }
}

/**
 * Most points one minor unit of the programme's currency can earn, all multipliers applied (10,000
 * points per euro, 100 per yen, 100,000 per dinar: far beyond any real programme). Orders are at
 * most MAX_ORDER_TOTAL_MINOR (10^11) minor units, so one order earns at most 10^13 points in any
 * currency and a balance stays an exact integer for hundreds of the largest orders.
 */
export const MAX_POINTS_PER_MINOR_UNIT = 100;

const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** Checks a programme and returns it frozen; throws InvalidLoyaltyProgramError naming every problem. */
export function loyaltyProgram(input: LoyaltyProgram): LoyaltyProgram {
  const problems: string[] = [];
  const currencyProblem = currencyCodeProblem(input.currency);
  if (currencyProblem !== null) problems.push(currencyProblem);
  if (!positive(input.pointsPerMajorUnit)) problems.push('pointsPerMajorUnit must be a number above 0');
  for (const [category, multiplier] of Object.entries(input.categoryMultipliers ?? {})) {
    if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 0) {
      problems.push(`categoryMultipliers.${category} must be a number, 0 or more`);
    }
  }
  if (!Number.isInteger(input.expiryMonths) || input.expiryMonths < 1 || input.expiryMonths > 120) {
    problems.push('expiryMonths must be a whole number from 1 to 120');
  }
  const tiers = input.tiers ?? [];
  if (tiers.length === 0) problems.push('tiers must name at least one tier');
  if (tiers.length > 0 && tiers[0].thresholdMinor !== 0) problems.push('the first tier must start at thresholdMinor 0');
  const names = new Set<string>();
  tiers.forEach((tier, index) => {
    if (typeof tier.name !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(tier.name)) problems.push(`tiers[${index}].name must be a lower-case word`);
    if (names.has(tier.name)) problems.push(`tiers[${index}].name ${tier.name} is used twice`);
    names.add(tier.name);
    if (!Number.isSafeInteger(tier.thresholdMinor) || tier.thresholdMinor < 0) problems.push(`tiers[${index}].thresholdMinor must be a whole number, 0 or more`);
    if (index > 0 && !(tier.thresholdMinor > tiers[index - 1].thresholdMinor)) problems.push(`tiers[${index}].thresholdMinor must be above the previous tier's`);
    if (!positive(tier.multiplier)) problems.push(`tiers[${index}].multiplier must be a number above 0`);
  });
  if (problems.length === 0) {
    const largest = (values: readonly number[]) => Math.max(1, ...values);
    const most = input.pointsPerMajorUnit * largest(Object.values(input.categoryMultipliers ?? {})) * largest(tiers.map((tier) => tier.multiplier));
    const allowed = MAX_POINTS_PER_MINOR_UNIT * 10 ** minorUnitExponent(input.currency);
    if (most > allowed) {
      problems.push(`pointsPerMajorUnit × the largest category multiplier × the largest tier multiplier is ${most}; at most ${allowed} per ${input.currency} keeps points exact`);
    }
  }
  if (problems.length > 0) throw new InvalidLoyaltyProgramError(problems);
  return Object.freeze({
    currency: input.currency,
    pointsPerMajorUnit: input.pointsPerMajorUnit,
    categoryMultipliers: Object.freeze({ ...input.categoryMultipliers }),
    tiers: Object.freeze(tiers.map((tier) => Object.freeze({ ...tier }))),
    expiryMonths: input.expiryMonths,
  });
}

/** The highest tier whose threshold the spend reaches. */
export function tierForSpend(program: LoyaltyProgram, spendMinor: number): TierRule {
  let found = program.tiers[0];
  for (const tier of program.tiers) if (spendMinor >= tier.thresholdMinor) found = tier;
  return found;
}

export function tierNamed(program: LoyaltyProgram, name: string): TierRule {
  return program.tiers.find((tier) => tier.name === name) ?? program.tiers[0];
}
