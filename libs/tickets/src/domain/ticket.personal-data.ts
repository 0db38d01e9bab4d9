// Which values of ticket events are personal (encrypted with the customer's data key): the ticket's
// text. Priority, channel, SLA, agents and times stay in clear for SLA reporting.
import type { PersonalDataDeclaration } from '@app/event-sourcing';

export const ticketPersonalData: readonly PersonalDataDeclaration[] = [
  { type: 'TicketOpened', version: 1, paths: ['subject'] },
  { type: 'TicketReplied', version: 1, paths: ['body'] },
  { type: 'TicketResolved', version: 1, paths: ['resolution'] },
  { type: 'TicketReopened', version: 1, paths: ['reason'] },
  // Internal notes quote the customer as freely as replies do.
  { type: 'TicketNoteAdded', version: 1, paths: ['body'] },
];
