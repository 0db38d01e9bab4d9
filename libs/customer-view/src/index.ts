// The customer view: pure projections for the 360 document, the timeline and customer search.
export * from './projections/catalogue-event';
export * from './projections/business-time';
export * from './projections/timeline-entry';
export * from './projections/customer-360.document';
export * from './projections/customer-360.projection';
export * from './projections/customer-lookup.projection';
export * from './projections/timeline.projection';
export * from './projections/forgotten';
export { customerViewProjections } from './projections';
export * from './api/customer-view.queries';
export * from './api/customer-view.controller';
export * from './api/customer-view-query.module';
export * from './api/customer-live.controller';
export * from './api/read-model-registered-customers';
