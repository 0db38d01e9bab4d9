import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CustomerViewController } from './customer-view.controller';
import { CustomerLiveController } from './customer-live.controller';
import { GetCustomer360Handler, GetTimelineHandler, SearchCustomersHandler } from './customer-view.queries';

/** The 360 view, timeline and search over HTTP. Needs the platform's READ_STORE. */
@Module({ imports: [CqrsModule], controllers: [CustomerViewController, CustomerLiveController], providers: [GetCustomer360Handler, GetTimelineHandler, SearchCustomersHandler] })
export class CustomerViewQueryModule {}
