// Analytics settings from ANALYTICS_* environment variables, validated at start like ChronicleConfig.
import { Transform } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { envNumber, readEnvConfig } from '@app/platform';
import type { AnalyticsSettings } from '../domain/customer-analysis';

export class AnalyticsConfig {
  /** Gross margin on revenue, 0–1: CLV is margin, not revenue. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_MARGIN = 0.3;

  /** Yearly discount rate of predicted CLV, 0–1. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_DISCOUNT_RATE = 0.1;

  /** Months of future purchases predicted CLV adds up. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(120)
  ANALYTICS_CLV_HORIZON_MONTHS = 12;

  /** Days ahead of "expected purchases" and of churn risk (a route's `horizonDays` overrides it). */
  @Transform(envNumber) @IsInt() @Min(1) @Max(3650)
  ANALYTICS_HORIZON_DAYS = 90;

  /** How often the population snapshot of "now" (RFM cut points, fitted models) is refreshed; 0: only on demand. */
  @Transform(envNumber) @IsInt() @Min(0)
  ANALYTICS_REFIT_INTERVAL_MS = 3_600_000;
}

export const ANALYTICS_CONFIG = Symbol('AnalyticsConfig');

/** Reads and validates ANALYTICS_*; throws naming every bad variable. */
export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return readEnvConfig(AnalyticsConfig, env);
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
