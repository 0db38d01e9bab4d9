// CLV parameters from ANALYTICS_* environment variables, validated at start like ChronicleConfig.
import { plainToInstance, Transform } from 'class-transformer';
import { IsNumber, Max, Min, validateSync } from 'class-validator';
import { ConfigError } from '@app/platform';
import type { ClvParameters } from '../metrics/clv';

const toNumber = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

export class AnalyticsConfig {
  /** Gross margin on net revenue, 0–1. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_MARGIN = 0.3;

  /** Yearly discount rate d, 0–1. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_DISCOUNT_RATE = 0.1;

  /** Yearly retention rate r; below 1 so r / (1 + d − r) stays finite for any d ≥ 0. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(0.99)
  ANALYTICS_RETENTION_RATE = 0.8;

  /** Cost of acquiring one customer, minor units. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0)
  ANALYTICS_ACQUISITION_COST_MINOR = 0;
}

export const ANALYTICS_CONFIG = Symbol('AnalyticsConfig');

/** Reads and validates ANALYTICS_*; throws naming every bad variable. */
export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  const known = Object.keys(new AnalyticsConfig());
  const relevant = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== undefined));
  const config = plainToInstance(AnalyticsConfig, relevant, { exposeDefaultValues: true });
  const errors = validateSync(config);
  if (errors.length > 0) {
    const problems = errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(problems);
  }
  return config;
}

export function clvParameters(config: AnalyticsConfig): ClvParameters {
  return {
    margin: config.ANALYTICS_MARGIN,
    discountRate: config.ANALYTICS_DISCOUNT_RATE,
    retentionRate: config.ANALYTICS_RETENTION_RATE,
    acquisitionCostMinor: config.ANALYTICS_ACQUISITION_COST_MINOR,
  };
}
