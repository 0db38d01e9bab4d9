// The analytics projections, without the HTTP API: what the projector (its own thread in the all-in-one
// process) loads.
import type { Projection } from '@app/read-store';
import { customerAnalyticsProjection } from './customer-analytics.projection';
import { dailyKpisProjection } from './daily-kpis.projection';

/** The analytics projections, for the projector's list (libs/composition/src/read-models.ts). */
export const analyticsProjections: readonly Projection[] = [dailyKpisProjection, customerAnalyticsProjection];
