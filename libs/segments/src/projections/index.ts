import type { Projection } from '@app/read-store';
import { segmentActivityProjection } from './segment-activity.projection';
import { segmentsProjection } from './segments.projection';

export * from './segment-event';
export * from './segments.projection';
export * from './segment-activity.projection';

/** Every segment read model, for the projector's list and rebuilds. */
export const segmentsProjections: readonly Projection[] = [segmentsProjection, segmentActivityProjection];
