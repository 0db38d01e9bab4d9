// Every capability's personal-data declarations in one catalogue (checked against the schema
// registry: each declared type's current version must be declared), and the read-model collections
// a forget scrubs, which the projector purges afterwards.
import { PersonalData } from '@app/event-sourcing';
// The domains' declarations only, not their HTTP APIs: the projector thread loads this module.
import { customerPersonalData } from '@app/customers/domain/customer.personal-data';
import { CUSTOMER_FORGOTTEN } from '@app/customers/domain/customer.events';
import { interactionPersonalData } from '@app/interactions/domain/interaction.personal-data';
import { ticketPersonalData } from '@app/tickets/domain/ticket.personal-data';
import { TICKETS_COLLECTION } from '@app/tickets/projections/ticket.projection';
import { loyaltyPersonalData } from '@app/loyalty/domain/loyalty.personal-data';
import { LOYALTY_HISTORY_COLLECTION } from '@app/loyalty/projections/loyalty-history.projection';
import { CUSTOMER_360_COLLECTION } from '@app/customer-view/projections/customer-360.document';
import { CUSTOMER_LOOKUP_COLLECTION, CUSTOMER_LOOKUP_SOURCES_COLLECTION } from '@app/customer-view/projections/customer-lookup.projection';
import { TIMELINE_COLLECTION } from '@app/customer-view/projections/timeline.projection';
import { CUSTOMER_ANALYTICS_COLLECTION } from '@app/analytics/projections/customer-analytics.document';
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
