import type { Projection } from '@app/read-store';
import type { CurrencyCode } from '@app/money';
import { loyaltyAccountProjection } from './loyalty-account.projection';
import { loyaltyHistoryProjection } from './loyalty-history.projection';

export * from './loyalty-event';
export * from './loyalty-account.projection';
export * from './loyalty-history.projection';

/** Every loyalty read model of a programme run in `currency` (REPORTING_CURRENCY), for the projector and rebuilds. */
export const loyaltyProjections = (currency: CurrencyCode): readonly Projection[] => [loyaltyAccountProjection(currency), loyaltyHistoryProjection];
