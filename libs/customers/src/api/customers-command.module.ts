import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CustomerController } from './customer.controller';
import { ExecuteCustomerCommandHandler, ExecuteCustomerCommandsHandler } from './customer.command-handler';

/** Customer commands over HTTP. Needs the platform's EVENT_STORE, CommandExecutor, CLOCK. */
@Module({ imports: [CqrsModule], controllers: [CustomerController], providers: [ExecuteCustomerCommandHandler, ExecuteCustomerCommandsHandler] })
export class CustomersCommandModule {}
