// Server-sent events for the work queue: one `changed` message per ticket the projector updated,
// so queues and counts refresh while agents watch. A client reconnecting with Last-Event-ID (the last
// position it saw) first gets every ticket changed after it, read from the tickets read model.
import { Controller, Headers, Inject, MessageEvent, Optional, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { AccessLogged, APPLIED_EVENTS, ApiAnswer, lastEventPosition, LiveStreams, resumeAfter, Roles, type AppliedEvents } from '@app/platform';
import { isTicketEvent, TICKETS_COLLECTION, type TicketDocument } from '../projections/ticket.projection';

const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;
/** Most tickets replayed one by one after a reconnect. */
const REPLAY_LIMIT = 500;

export interface TicketChange {
  readonly ticketId: string;
  readonly customerId: string;
  /** Global position of the change: the message id, and `minPosition` for reading it. */
  readonly position: number;
  /** The event type, when the change is seen as it is applied. */
  readonly type?: string;
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller({ path: 'live', version: '1' })
export class TicketLiveController {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly streams: LiveStreams,
    @Optional() @Inject(APPLIED_EVENTS) private readonly applied?: AppliedEvents,
  ) {}

  @Sse('tickets')
  @AccessLogged('ticket-live', null)
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({
    summary: 'Server-sent events: `changed` (id = global position) once the tickets read model includes a change of any ticket; `heartbeat` every 15 s; ends when the server shuts down',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last `changed` message seen: the stream first replays every ticket changed after it' })
  @ApiAnswer(200, { mediaType: 'text/event-stream' }, 'A stream until the server shuts down: `event: changed` with `id` the global position and data {ticketId, customerId, position, type?}, `event: heartbeat` every 15 s')
  live(@Headers('last-event-id') lastEventId?: string): Observable<MessageEvent> {
    this.streams.assertOpen();
    const after = lastEventPosition(lastEventId);
    const live = this.applied ? this.fromProjector() : this.fromPolling(after);
    const changes = after === undefined ? live : resumeAfter(live, () => this.missed(after));
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} })));
    return this.streams.serve(merge(changes.pipe(map((change): MessageEvent => ({ type: 'changed', data: change, id: String(change.position) }))), heartbeat));
  }

  private async missed(position: number): Promise<TicketChange[]> {
    const docs = await this.store.find<TicketDocument>(TICKETS_COLLECTION, { lastPosition: { gt: position } }, {
      sort: [{ field: 'lastPosition', direction: 'asc' }],
      limit: REPLAY_LIMIT,
    });
    return docs.map((doc) => ({ ticketId: doc.ticketId, customerId: doc.customerId, position: doc.lastPosition }));
  }

  private fromProjector(): Observable<TicketChange> {
    const applied = this.applied as AppliedEvents;
    return new Observable<TicketChange>((subscriber) =>
      applied.onApplied((events) => {
        for (const event of events) {
          if (isTicketEvent(event)) subscriber.next({ ticketId: event.data.ticketId, customerId: event.metadata.customerId, position: event.position, type: event.type });
        }
      }),
    );
  }

  /** Without the projector in this process: tickets changed since the last look, once a second. */
  private fromPolling(after: number | undefined): Observable<TicketChange> {
    return new Observable<TicketChange>((subscriber) => {
      let last = after;
      const look = async (): Promise<void> => {
        if (last === undefined) {
          const [newest] = await this.store.find<TicketDocument>(TICKETS_COLLECTION, {}, { sort: [{ field: 'lastPosition', direction: 'desc' }], limit: 1 });
          last = newest?.lastPosition ?? 0;
          return;
        }
        const changes = await this.missed(last);
        for (const change of changes) subscriber.next(change);
        last = Math.max(last, ...changes.map((change) => change.position));
      };
      const timer = setInterval(() => void look().catch((error: unknown) => subscriber.error(error)), POLL_MS);
      return () => clearInterval(timer);
    });
  }
}
