// Every projection Chronicle runs, in one list: the projector and a rebuild use the same.
import type { Projection } from '@app/read-store';
import type { CurrencyCode } from '@app/money';
// The projections only, not the libraries' HTTP APIs: the projector thread loads this list.
import { customerViewProjections } from '@app/customer-view/projections';
import { ticketProjection } from '@app/tickets/projections/ticket.projection';
import { analyticsProjections } from '@app/analytics/projections';
import { loyaltyProjections } from '@app/loyalty/projections';
import { segmentsProjections } from '@app/segments/projections';

/** `currency`: REPORTING_CURRENCY, the loyalty programme's currency (the only projection that needs it). */
export const chronicleProjections = (currency: CurrencyCode): readonly Projection[] =>
  [...customerViewProjections, ticketProjection, ...loyaltyProjections(currency), ...analyticsProjections, ...segmentsProjections];

/** Every collection the projector writes; their names are the same whatever the currency. */
export const CHRONICLE_COLLECTIONS: readonly string[] = [...new Set(chronicleProjections('EUR').flatMap((projection) => projection.collections.map((c) => c.name)))];

/** The checkpoint name of the projector that runs these projections. */
export const PROJECTOR_NAME = 'chronicle-projector';
