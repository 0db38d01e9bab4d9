// Every capability's personal-data declarations in one catalogue (checked against the schema
// registry: each declared type's current version must be declared), and the read-model collections
// a forget scrubs, which the projector purges afterwards.
import { PersonalData } from '@app/event-sourcing';
import { customerPersonalData, CUSTOMER_FORGOTTEN } from '@app/customers';
import { interactionPersonalData } from '@app/interactions';
import { ticketPersonalData, TICKETS_COLLECTION } from '@app/tickets';
import { loyaltyPersonalData, LOYALTY_HISTORY_COLLECTION } from '@app/loyalty';
import { CUSTOMER_360_COLLECTION, CUSTOMER_LOOKUP_COLLECTION, CUSTOMER_LOOKUP_SOURCES_COLLECTION, TIMELINE_COLLECTION } from '@app/customer-view';
import { CUSTOMER_ANALYTICS_COLLECTION } from '@app/analytics';
import { chronicleEventSchemas } from './event-schemas';

export const chroniclePersonalData = new PersonalData(
  [...customerPersonalData, ...interactionPersonalData, ...ticketPersonalData, ...loyaltyPersonalData],
  chronicleEventSchemas,
);

/** The event that forgets a customer: decoders look their key up afresh after it, projectors purge after it. */
export const ERASURE_EVENT_TYPE = CUSTOMER_FORGOTTEN;

/** Read-model collections holding personal values in clear (what a forget scrubs). */
export const PERSONAL_COLLECTIONS: readonly string[] = [
  CUSTOMER_360_COLLECTION, CUSTOMER_LOOKUP_COLLECTION, CUSTOMER_LOOKUP_SOURCES_COLLECTION, TIMELINE_COLLECTION,
  TICKETS_COLLECTION, LOYALTY_HISTORY_COLLECTION, CUSTOMER_ANALYTICS_COLLECTION,
];
