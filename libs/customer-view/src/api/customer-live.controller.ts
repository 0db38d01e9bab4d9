// Server-sent events for a customer: one message per event of theirs the projector applied, so a
// console shows new interactions without reloading. With the projector in another process it
// watches the 360 document's position instead. A client reconnecting with Last-Event-ID (the last
// position it saw) first gets what it missed: the same messages, read again from the log.
import { Controller, Headers, Inject, MessageEvent, Optional } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import type { RecordedEvent } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { AccessLogged, APPLIED_EVENTS, ApiAnswer, ApiRefusals, IdParam, lastEventPosition, LiveStream, LiveStreams, Roles, type AppliedEvents } from '@app/platform';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';
import { ViewPositionPoll } from './view-position-poll';

const HEARTBEAT_MS = 15_000;

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
  /** Every polling stream of this process shares one read per tick. */
  private readonly poll: ViewPositionPoll;

  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(REGISTERED_CUSTOMERS) private readonly customers: RegisteredCustomers,
    private readonly streams: LiveStreams,
    @Optional() @Inject(APPLIED_EVENTS) private readonly applied?: AppliedEvents,
  ) {
    this.poll = new ViewPositionPoll(store);
  }

  @LiveStream(':customerId/live')
  @AccessLogged('customer-live')
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({
    summary:
      'Server-sent events: `applied` (id = global position) once the read models include a new event of this customer; `heartbeat` every 15 s; ' +
      'ends when the server shuts down (reconnect with Last-Event-ID to get what was missed) (404 for an unknown customer)',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last `applied` message seen: the stream first sends the `applied` messages of this customer after it, as it would have sent them live' })
  @ApiAnswer(200, { mediaType: 'text/event-stream' }, 'A stream until the server shuts down: `event: applied` with `id` the global position and data {customerId, position, eventId, type, occurredAt} (only {customerId, position} where the projector runs in another process or is fed by Kafka), `event: heartbeat` every 15 s')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async live(@IdParam('customerId') customerId: string, @Headers('last-event-id') lastEventId?: string): Promise<Observable<MessageEvent>> {
    this.streams.assertOpen();
    const after = lastEventPosition(lastEventId);
    // Before any header goes out, so an unknown customer gets a 404 problem, not an endless stream.
    await this.customers.assertRegistered(customerId);
    const updates = this.applied ? this.fromProjector(this.applied, customerId, after) : this.fromPolling(customerId, after);
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} })));
    return this.streams.serve(merge(updates.pipe(map((update): MessageEvent => ({ type: 'applied', data: update, id: String(update.position) }))), heartbeat));
  }

  /** Every event of the customer as the projector applies it, after the ones the log holds past `after`. */
  private fromProjector(applied: AppliedEvents, customerId: string, after: number | undefined): Observable<LiveUpdate> {
    return this.streams.followApplied(applied, after, {
      message: (event) => (event.metadata.customerId === customerId ? liveUpdate(event) : undefined),
      read: (from, maxCount) => this.events.queryLog({ customerId, after: from, maxCount }),
      // Further behind than a replay goes: one message at the 360 view's position says "read it again".
      summary: (position) => this.viewMovedPast(customerId, position),
    });
  }

  /** One message at the 360 view's position when it lies past `position`. */
  private async *viewMovedPast(customerId: string, position: number): AsyncIterable<LiveUpdate[]> {
    const view = await this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
    if (view && view.lastPosition > position) yield [{ customerId, position: view.lastPosition }];
  }

  /** Without the projector in this process: the 360 view's position when it moves (at once when past `after`), read with every other stream's. */
  private fromPolling(customerId: string, after: number | undefined): Observable<LiveUpdate> {
    return this.poll.watch(customerId, after);
  }
}

/** The message for one event of the customer, sent live or replayed alike. */
function liveUpdate(event: RecordedEvent): LiveUpdate {
  return { customerId: event.metadata.customerId, position: event.position, eventId: event.eventId, type: event.type, occurredAt: event.metadata.occurredAt };
}
