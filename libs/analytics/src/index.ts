// CRM analytics: daily KPI facts and per-customer analytics read models; RFM, BG/NBD, Gamma-Gamma,
// predictive CLV and churn risk as of an observation date; service metrics; the analyst HTTP API.
export * from './projections/daily-kpis.document';
export * from './projections/daily-kpis.projection';
export * from './projections/customer-analytics.document';
export * from './projections/customer-analytics.projection';
export * from './domain/rfm';
export * from './domain/customer-history';
export * from './domain/bg-nbd';
export * from './domain/gamma-gamma';
export * from './domain/model-fit';
export * from './domain/churn-risk';
export * from './domain/predictive-clv';
export * from './domain/population-snapshot';
export * from './domain/customer-analysis';
export * from './metrics/service-metrics';
export * from './metrics/csv-line';
export * from './api/analytics-config';
export * from './api/population-snapshots';
export * from './api/analytics.queries';
export * from './api/analytics.controller';
export * from './api/analytics-refit';
export * from './api/analytics.module';
export { analyticsProjections } from './projections';
