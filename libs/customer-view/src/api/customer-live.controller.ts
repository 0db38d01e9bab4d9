// Server-sent events for a customer: one message per event the projector applied for them, so a
// console shows new interactions without reloading. With the projector in another process it
// watches the 360 document's position instead. A client reconnecting with Last-Event-ID (the last
// position it saw) first gets what it missed, read from the timeline and the 360 view.
import { Controller, Headers, Inject, MessageEvent, Optional, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { AccessLogged, APPLIED_EVENTS, ApiAnswer, ApiRefusals, IdParam, lastEventPosition, LiveStreams, resumeAfter, Roles, type AppliedEvents } from '@app/platform';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';
import { TIMELINE_COLLECTION, type TimelineEntryDocument } from '../projections/timeline.projection';

const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;
/** Most timeline entries replayed one by one; beyond that one message at the 360 view's position says "re-read". */
const REPLAY_LIMIT = 500;

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
    private readonly streams: LiveStreams,
    @Optional() @Inject(APPLIED_EVENTS) private readonly applied?: AppliedEvents,
  ) {}

  @Sse(':customerId/live')
  @AccessLogged('customer-live')
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({
    summary:
      'Server-sent events: `applied` (id = global position) once the read models include a new event of this customer; `heartbeat` every 15 s; ' +
      'ends when the server shuts down (reconnect with Last-Event-ID to get what was missed) (404 for an unknown customer)',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last `applied` message seen: the stream first replays the events of this customer applied after it' })
  @ApiAnswer(200, { mediaType: 'text/event-stream' }, 'A stream until the server shuts down: `event: applied` with `id` the global position and data {customerId, position, eventId?, type?, occurredAt?} (a replay after Last-Event-ID may end with the 360 view\'s own position alone), `event: heartbeat` every 15 s')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async live(@IdParam('customerId') customerId: string, @Headers('last-event-id') lastEventId?: string): Promise<Observable<MessageEvent>> {
    this.streams.assertOpen();
    const after = lastEventPosition(lastEventId);
    // Before any header goes out, so an unknown customer gets a 404 problem, not an endless stream.
    await this.customers.assertRegistered(customerId);
    const live = this.applied ? this.fromProjector(customerId) : this.fromPolling(customerId, after);
    const updates = after === undefined ? live : resumeAfter(live, () => this.missed(customerId, after));
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} })));
    return this.streams.serve(merge(updates.pipe(map((update): MessageEvent => ({ type: 'applied', data: update, id: String(update.position) }))), heartbeat));
  }

  /** What the read models hold of this customer after `position`: timeline entries, then the 360 view's own position. */
  private async missed(customerId: string, position: number): Promise<LiveUpdate[]> {
    const rows = await this.store.find<TimelineEntryDocument>(TIMELINE_COLLECTION, { customerId, position: { gt: position } }, {
      sort: [{ field: 'position', direction: 'asc' }],
      limit: REPLAY_LIMIT,
    });
    const updates: LiveUpdate[] = rows.map((row) => ({ customerId, position: row.position, eventId: row.eventId, type: row.type, occurredAt: row.occurredAt }));
    const view = await this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
    const last = updates.at(-1)?.position ?? position;
    if (view && view.lastPosition > last) updates.push({ customerId, position: view.lastPosition });
    return updates;
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

  private fromPolling(customerId: string, after: number | undefined): Observable<LiveUpdate> {
    return new Observable<LiveUpdate>((subscriber) => {
      let last = after;
      const timer = setInterval(() => {
        void this.store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId).then(
          (doc) => {
            const position = doc?.lastPosition ?? 0;
            if (last !== undefined && position > last) subscriber.next({ customerId, position });
            last = Math.max(last ?? 0, position);
          },
          (error: unknown) => subscriber.error(error),
        );
      }, POLL_MS);
      return () => clearInterval(timer);
    });
  }
}
