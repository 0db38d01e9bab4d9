// CRM analytics: daily KPI facts and per-customer analytics read models, RFM/CLV/churn/service
// metrics, and the analyst HTTP API.
import type { Projection } from '@app/read-store';
import { customerAnalyticsProjection } from './projections/customer-analytics.projection';
import { dailyKpisProjection } from './projections/daily-kpis.projection';

export * from './projections/daily-kpis.document';
export * from './projections/daily-kpis.projection';
export * from './projections/customer-analytics.document';
export * from './projections/customer-analytics.projection';
export * from './metrics/rfm';
export * from './metrics/clv';
export * from './metrics/churn-risk';
export * from './metrics/service-metrics';
export * from './metrics/csv-line';
export * from './api/analytics-config';
export * from './api/analytics.queries';
export * from './api/analytics.controller';
export * from './api/analytics.module';

/** The analytics projections, for the projector's list (libs/composition/src/read-models.ts). */
export const analyticsProjections: readonly Projection[] = [dailyKpisProjection, customerAnalyticsProjection];
