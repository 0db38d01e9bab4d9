// Every projection Chronicle runs, in one list: the projector and a rebuild use the same.
import type { Projection } from '@app/read-store';
import { customerViewProjections } from '@app/customer-view';
import { ticketProjection } from '@app/tickets';
import { analyticsProjections } from '@app/analytics';
import { loyaltyProjections } from '@app/loyalty';
import { segmentsProjections } from '@app/segments';

export const chronicleProjections: readonly Projection[] = [...customerViewProjections, ticketProjection, ...loyaltyProjections, ...analyticsProjections, ...segmentsProjections];

/** The checkpoint name of the projector that runs these projections. */
export const PROJECTOR_NAME = 'chronicle-projector';
