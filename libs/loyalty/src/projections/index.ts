import type { Projection } from '@app/read-store';
import { loyaltyAccountProjection } from './loyalty-account.projection';
import { loyaltyHistoryProjection } from './loyalty-history.projection';

export * from './loyalty-event';
export * from './loyalty-account.projection';
export * from './loyalty-history.projection';

/** Every loyalty read model, for the projector and rebuilds. */
export const loyaltyProjections: readonly Projection[] = [loyaltyAccountProjection, loyaltyHistoryProjection];
