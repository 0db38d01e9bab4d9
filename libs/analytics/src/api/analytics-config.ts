// Analytics settings from ANALYTICS_* environment variables, validated at start like ChronicleConfig.
import { plainToInstance, Transform } from 'class-transformer';
import { IsInt, IsNumber, Max, Min, validateSync } from 'class-validator';
import { ConfigError } from '@app/platform';
import type { AnalyticsSettings } from '../domain/customer-analysis';

const toNumber = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

export class AnalyticsConfig {
  /** Gross margin on revenue, 0–1: CLV is margin, not revenue. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_MARGIN = 0.3;

  /** Yearly discount rate of predicted CLV, 0–1. */
  @Transform(toNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_DISCOUNT_RATE = 0.1;

  /** Months of future purchases predicted CLV adds up. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(120)
  ANALYTICS_CLV_HORIZON_MONTHS = 12;

  /** Days ahead of "expected purchases" and of churn risk (a route's `horizonDays` overrides it). */
  @Transform(toNumber) @IsInt() @Min(1) @Max(3650)
  ANALYTICS_HORIZON_DAYS = 90;

  /** How often the population snapshot of "now" (RFM cut points, fitted models) is refreshed; 0: only on demand. */
  @Transform(toNumber) @IsInt() @Min(0)
  ANALYTICS_REFIT_INTERVAL_MS = 3_600_000;
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

/** The per-customer settings, with a request's own horizon where it gives one. */
export function analyticsSettings(config: AnalyticsConfig, horizonDays?: number): AnalyticsSettings {
  return {
    margin: config.ANALYTICS_MARGIN,
    discountRate: config.ANALYTICS_DISCOUNT_RATE,
    horizonMonths: config.ANALYTICS_CLV_HORIZON_MONTHS,
    horizonDays: horizonDays ?? config.ANALYTICS_HORIZON_DAYS,
  };
}
