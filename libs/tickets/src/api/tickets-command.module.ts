import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TicketController } from './ticket.controller';
import { ExecuteTicketCommandHandler } from './ticket.command-handler';

/** The ticket lifecycle over HTTP. */
@Module({ imports: [CqrsModule], controllers: [TicketController], providers: [ExecuteTicketCommandHandler] })
export class TicketsCommandModule {}
