// CLV parameters from ANALYTICS_* environment variables, validated at start like ChronicleConfig.
import { Transform } from 'class-transformer';
import { IsNumber, Max, Min } from 'class-validator';
import { envNumber, readEnvConfig } from '@app/platform';
import type { ClvParameters } from '../metrics/clv';


export class AnalyticsConfig {
  /** Gross margin on net revenue, 0–1. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_MARGIN = 0.3;

  /** Yearly discount rate d, 0–1. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(1)
  ANALYTICS_DISCOUNT_RATE = 0.1;

  /** Yearly retention rate r; below 1 so r / (1 + d − r) stays finite for any d ≥ 0. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0) @Max(0.99)
  ANALYTICS_RETENTION_RATE = 0.8;

  /** Cost of acquiring one customer, minor units. */
  @Transform(envNumber) @IsNumber({ allowNaN: false }) @Min(0)
  ANALYTICS_ACQUISITION_COST_MINOR = 0;
}

export const ANALYTICS_CONFIG = Symbol('AnalyticsConfig');

/** Reads and validates ANALYTICS_*; throws naming every bad variable. */
export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return readEnvConfig(AnalyticsConfig, env);
}

export function clvParameters(config: AnalyticsConfig): ClvParameters {
  return {
    margin: config.ANALYTICS_MARGIN,
    discountRate: config.ANALYTICS_DISCOUNT_RATE,
    retentionRate: config.ANALYTICS_RETENTION_RATE,
    acquisitionCostMinor: config.ANALYTICS_ACQUISITION_COST_MINOR,
  };
}
