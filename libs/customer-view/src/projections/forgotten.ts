// How the customer view forgets a customer: personal values become FORGOTTEN, with the same
// declarations (and the same function) the event decoder uses once the customer's key is destroyed,
// so scrubbing a live read model and rebuilding it from the log after the forget give the same
// documents.
import { FORGOTTEN, forgetPersonalValues, latestPersonalPaths, type RecordedEvent } from '@app/event-sourcing';
import { CUSTOMER_FORGOTTEN } from '@app/customers/domain/customer.events';
import { customerPersonalData } from '@app/customers/domain/customer.personal-data';
import { interactionPersonalData } from '@app/interactions/domain/interaction.personal-data';
import { ticketPersonalData } from '@app/tickets/domain/ticket.personal-data';

const CATALOGUE_PERSONAL_DATA = [...customerPersonalData, ...interactionPersonalData, ...ticketPersonalData];

export function isCustomerForgotten(event: RecordedEvent): boolean {
  return event.type === CUSTOMER_FORGOTTEN;
}

/** A catalogue event's payload as a forgotten customer's reads. */
export function forgetCatalogueData(type: string, data: unknown): unknown {
  return forgetPersonalValues(data, latestPersonalPaths(CATALOGUE_PERSONAL_DATA, type));
}

/** A value that was given becomes FORGOTTEN; one never given stays null. */
export function forgetValue<T>(value: T | null): typeof FORGOTTEN | null {
  return value === null || value === undefined ? null : FORGOTTEN;
}
