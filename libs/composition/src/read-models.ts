// Every projection Chronicle runs, in one list: the projector and a rebuild use the same.
import type { Projection } from '@app/read-store';
import type { CurrencyCode } from '@app/money';
import { customerViewProjections } from '@app/customer-view';
import { ticketProjection } from '@app/tickets';
import { analyticsProjections } from '@app/analytics';
import { loyaltyProjections } from '@app/loyalty';
import { segmentsProjections } from '@app/segments';

/** `currency`: REPORTING_CURRENCY, the loyalty programme's currency (the only projection that needs it). */
export const chronicleProjections = (currency: CurrencyCode): readonly Projection[] =>
  [...customerViewProjections, ticketProjection, ...loyaltyProjections(currency), ...analyticsProjections, ...segmentsProjections];

/** Every collection the projector writes; their names are the same whatever the currency. */
export const CHRONICLE_COLLECTIONS: readonly string[] = [...new Set(chronicleProjections('EUR').flatMap((projection) => projection.collections.map((c) => c.name)))];

/** The checkpoint name of the projector that runs these projections. */
export const PROJECTOR_NAME = 'chronicle-projector';
