import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TicketQueryController } from './ticket-query.controller';
import { GetTicketHandler, ListCustomerTicketsHandler } from './ticket.queries';

/** Ticket queries over HTTP. Needs the platform's READ_STORE. */
@Module({ imports: [CqrsModule], controllers: [TicketQueryController], providers: [GetTicketHandler, ListCustomerTicketsHandler] })
export class TicketsQueryModule {}
