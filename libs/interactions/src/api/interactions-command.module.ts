import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InteractionController } from './interaction.controller';
import { RecordInteractionHandler, RecordInteractionsHandler } from './interaction.command-handler';

/** Interaction commands over HTTP, single and batch. */
@Module({ imports: [CqrsModule], controllers: [InteractionController], providers: [RecordInteractionHandler, RecordInteractionsHandler] })
export class InteractionsCommandModule {}
