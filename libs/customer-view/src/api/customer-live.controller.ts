// Server-sent events for a customer: one message per event the projector applied for them, so a
// console shows new interactions without reloading. With the projector in another process it
// watches the 360 document's position instead.
import { Controller, Inject, MessageEvent, Optional, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { APPLIED_EVENTS, ApiAnswer, ApiRefusals, IdParam, Roles, type AppliedEvents } from '@app/platform';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';

const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;

export interface LiveUpdate {
  readonly customerId: string;
  readonly position: number;
  readonly eventId?: string;
  readonly type?: string;
  readonly occurredAt?: string;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller({ path: 'customers', version: '1' })
export class CustomerLiveController {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(REGISTERED_CUSTOMERS) private readonly customers: RegisteredCustomers,
    @Optional() @Inject(APPLIED_EVENTS) private readonly applied?: AppliedEvents,
  ) {}

  @Sse(':customerId/live')
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({ summary: 'Server-sent events: `applied` once the read models include a new event of this customer; `heartbeat` every 15 s (404 for an unknown customer)' })
  @ApiAnswer(200, { mediaType: 'text/event-stream' }, 'An endless stream: `event: applied` with data {customerId, position, eventId, type, occurredAt}, `event: heartbeat` every 15 s')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async live(@IdParam('customerId') customerId: string): Promise<Observable<MessageEvent>> {
    // Before any header goes out, so an unknown customer gets a 404 problem, not an endless stream.
    await this.customers.assertRegistered(customerId);
    const updates = this.applied ? this.fromProjector(customerId) : this.fromPolling(customerId);
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} })));
    return merge(updates.pipe(map((update): MessageEvent => ({ type: 'applied', data: update, id: String(update.position) }))), heartbeat);
  }

  private fromProjector(customerId: string): Observable<LiveUpdate> {
    const applied = this.applied as AppliedEvents;
    return new Observable<LiveUpdate>((subscriber) =>
      applied.onApplied((events) => {
        for (const event of events) {
          if (event.metadata.customerId !== customerId) continue;
          subscriber.next({ customerId, position: event.position, eventId: event.eventId, type: event.type, occurredAt: event.metadata.occurredAt });
        }
      }),
    );
  }

  private fromPolling(customerId: string): Observable<LiveUpdate> {
    return new Observable<LiveUpdate>((subscriber) => {
      let last: number | undefined;
      const timer = setInterval(() => {
        void this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId).then(
          (doc) => {
            const position = doc?.lastPosition ?? 0;
            if (last !== undefined && position > last) subscriber.next({ customerId, position });
            last = position;
          },
          (error: unknown) => subscriber.error(error),
        );
      }, POLL_MS);
      return () => clearInterval(timer);
    });
  }
}
