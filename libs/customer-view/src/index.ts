// The customer view: pure projections for the 360 document, the timeline and customer search.
import type { Projection } from '@app/read-store';
import { customer360Projection } from './projections/customer-360.projection';
import { customerLookupProjection } from './projections/customer-lookup.projection';
import { timelineProjection } from './projections/timeline.projection';

export * from './projections/catalogue-event';
export * from './projections/business-time';
export * from './projections/timeline-entry';
export * from './projections/customer-360.document';
export * from './projections/customer-360.projection';
export * from './projections/customer-lookup.projection';
export * from './projections/timeline.projection';
export * from './projections/forgotten';

/** The customer view's projections; the tickets read model is `ticketProjection` in @app/tickets. */
export const customerViewProjections: readonly Projection[] = [customer360Projection, customerLookupProjection, timelineProjection];
export * from './api/customer-view.queries';
export * from './api/customer-view.controller';
export * from './api/customer-view-query.module';
export * from './api/customer-live.controller';
export * from './api/read-model-registered-customers';
