// The customer view's projections, without its HTTP API: what the projector (its own thread in the
// all-in-one process) loads.
import type { Projection } from '@app/read-store';
import { customer360Projection } from './customer-360.projection';
import { customerLookupProjection } from './customer-lookup.projection';
import { timelineProjection } from './timeline.projection';

export * from './catalogue-event';
export * from './business-time';
export * from './timeline-entry';
export * from './forgotten';

/** The customer view's projections; the tickets read model is `ticketProjection` in @app/tickets. */
export const customerViewProjections: readonly Projection[] = [customer360Projection, customerLookupProjection, timelineProjection];
