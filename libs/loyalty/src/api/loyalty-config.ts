// Loyalty settings from LOYALTY_* environment variables, validated at start like ChronicleConfig:
// a bad value fails the start naming the variable.
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, IsString, Max, Min } from 'class-validator';
import { ConfigError, envBoolean, envNumber, readEnvConfig } from '@app/platform';
import type { CurrencyCode } from '@app/money';
import { InvalidLoyaltyProgramError, loyaltyProgram, type LoyaltyProgram, type TierRule } from '../domain/loyalty-program';


export class LoyaltyConfig {
  /** Points per major unit of the programme's currency, REPORTING_CURRENCY (per 1.00 EUR, per 1 JPY). */
  @Transform(envNumber) @IsNumber() @Min(0.0001) @Max(10000)
  LOYALTY_POINTS_PER_UNIT = 1;

  /** `category=multiplier` pairs, comma-separated (e.g. `electronics=2,giftcards=0`); others earn ×1. */
  @IsString()
  LOYALTY_CATEGORY_MULTIPLIERS = '';

  /** `name:thresholdMinor:multiplier` by rising threshold on rolling 12-month net spend in minor units of REPORTING_CURRENCY; the first at 0. */
  @IsString()
  LOYALTY_TIERS = 'bronze:0:1,silver:50000:1.25,gold:200000:1.5';

  /** Points expire this many months after they were earned. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(120)
  LOYALTY_EXPIRY_MONTHS = 24;

  /** How often the expiry sweep runs, in ms; 0 turns the timer off. */
  @Transform(envNumber) @IsInt() @Min(0)
  LOYALTY_SWEEP_INTERVAL_MS = 3_600_000;

  /** Whether this process runs the purchase → points reactor (where it has the event store). */
  @Transform(envBoolean) @IsBoolean()
  LOYALTY_REACTOR = true;

  /** Most events per reactor batch. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(10000)
  LOYALTY_REACTOR_BATCH_SIZE = 200;
}

function parsePairs(text: string, problems: string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const pair of text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
    const [category, value, ...rest] = pair.split('=');
    const multiplier = Number(value);
    if (!category || value === undefined || rest.length > 0 || !Number.isFinite(multiplier)) {
      problems.push(`LOYALTY_CATEGORY_MULTIPLIERS: "${pair}" is not category=number`);
    } else {
      result[category.trim()] = multiplier;
    }
  }
  return result;
}

function parseTiers(text: string, problems: string[]): TierRule[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part.length > 0).flatMap((entry) => {
    const [name, threshold, multiplier, ...rest] = entry.split(':');
    if (!name || threshold === undefined || multiplier === undefined || rest.length > 0) {
      problems.push(`LOYALTY_TIERS: "${entry}" is not name:thresholdMinor:multiplier`);
      return [];
    }
    return [{ name: name.trim(), thresholdMinor: Number(threshold), multiplier: Number(multiplier) }];
  });
}

/** Reads and validates the LOYALTY_* variables and the programme they describe, run in `currency` (REPORTING_CURRENCY). */
export function loadLoyaltyConfig(env: Record<string, string | undefined>, currency: CurrencyCode): { config: LoyaltyConfig; program: LoyaltyProgram } {
  const config = readEnvConfig(LoyaltyConfig, env);
  const parsing: string[] = [];
  const categoryMultipliers = parsePairs(config.LOYALTY_CATEGORY_MULTIPLIERS, parsing);
  const tiers = parseTiers(config.LOYALTY_TIERS, parsing);
  if (parsing.length > 0) throw new ConfigError(parsing);
  try {
    return { config, program: loyaltyProgram({ currency, pointsPerMajorUnit: config.LOYALTY_POINTS_PER_UNIT, categoryMultipliers, tiers, expiryMonths: config.LOYALTY_EXPIRY_MONTHS }) };
  } catch (error) {
    if (error instanceof InvalidLoyaltyProgramError) throw new ConfigError(error.problems.map((problem) => `LOYALTY_*: ${problem}`));
    throw error;
  }
}
