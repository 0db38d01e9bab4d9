import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TicketQueryController } from './ticket-query.controller';
import { TicketLiveController } from './ticket-live.controller';
import { GetTicketHandler, ListCustomerTicketsHandler, ListTicketQueueHandler } from './ticket.queries';

/** Ticket queries over HTTP. Needs the platform's READ_STORE. */
@Module({ imports: [CqrsModule], controllers: [TicketQueryController, TicketLiveController], providers: [GetTicketHandler, ListCustomerTicketsHandler, ListTicketQueueHandler] })
export class TicketsQueryModule {}
