// Server-sent events for the work queue: one `changed` message per ticket change the projector
// applied, so queues and counts refresh while agents watch. A client reconnecting with Last-Event-ID
// (the last position it saw) first gets what it missed: the same messages, read again from the log.
import { Controller, Headers, Inject, MessageEvent, Optional } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, Observable } from 'rxjs';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { keysetPages, READ_STORE, type ReadStore } from '@app/read-store';
import { AccessLogged, APPLIED_EVENTS, APPLIED_WATERMARK, ApiAnswer, lastEventPosition, LiveStream, LiveStreams, Roles, type AppliedEvents, type AppliedWatermark } from '@app/platform';
import { TICKET_EVENT_TYPES } from '../domain/ticket.events';
import { isTicketEvent, TICKETS_COLLECTION, type RecordedTicketEvent, type TicketDocument } from '../projections/ticket.projection';

const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;
/** Most tickets one look of the polling feed reports. */
const POLL_LIMIT = 500;

export interface TicketChange {
  readonly ticketId: string;
  readonly customerId: string;
  /** Global position of the change: the message id, and `minPosition` for reading it. */
  readonly position: number;
  /** The event type; absent where the projector runs in another process or is fed by Kafka (one message per ticket that moved). */
  readonly type?: string;
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller({ path: 'live', version: '1' })
export class TicketLiveController {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly streams: LiveStreams,
    @Inject(APPLIED_WATERMARK) private readonly watermark: AppliedWatermark,
    @Optional() @Inject(APPLIED_EVENTS) private readonly applied?: AppliedEvents,
  ) {}

  @LiveStream('tickets')
  @AccessLogged('ticket-live', null)
  @Roles('support', 'analyst', 'auditor')
  @ApiOperation({
    summary: 'Server-sent events: `changed` (id = global position) once the tickets read model includes a change of any ticket; `heartbeat` every 15 s; ends when the server shuts down',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last `changed` message seen: the stream first sends the `changed` messages after it, as it would have sent them live' })
  @ApiAnswer(200, { mediaType: 'text/event-stream' }, 'A stream until the server shuts down: `event: changed` with `id` the global position and data {ticketId, customerId, position, type?}, `event: heartbeat` every 15 s')
  async live(@Headers('last-event-id') lastEventId?: string): Promise<Observable<MessageEvent>> {
    this.streams.assertOpen();
    const after = lastEventPosition(lastEventId);
    // Polling, a new stream starts where the read models are as it opens (before the response does):
    // every change past that is sent, whenever the first look comes.
    const changes = this.applied ? this.fromProjector(this.applied, after) : this.fromPolling(after ?? (await this.watermark.read()));
    const heartbeat = interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: {} })));
    return this.streams.serve(merge(changes.pipe(map((change): MessageEvent => ({ type: 'changed', data: change, id: String(change.position) }))), heartbeat));
  }

  /** Every ticket change as the projector applies it, after the ones the log holds past `after`. */
  private fromProjector(applied: AppliedEvents, after: number | undefined): Observable<TicketChange> {
    return this.streams.followApplied(applied, after, {
      message: (event) => (isTicketEvent(event) ? ticketChange(event) : undefined),
      read: (from, maxCount) => this.events.queryLog({ types: TICKET_EVENT_TYPES, after: from, maxCount }),
      // Further behind than a replay goes: one message per ticket that changed, at its latest position.
      summary: (position) => this.changedTickets(position),
    });
  }

  /**
   * Every ticket whose document moved past `position` (and, when given, not past `upTo`), one message
   * each at its latest position, in pages of POLL_LIMIT in position order (the polling feed, and a
   * replay too long to send change by change). Each page starts after the last one's newest position,
   * so a ticket that changes while the pages are read turns up again in a later page at its new position.
   */
  private async *changedTickets(position: number, upTo?: number): AsyncIterable<TicketChange[]> {
    const range = upTo === undefined ? { gt: position } : { gt: position, lte: upTo };
    const pages = keysetPages<TicketDocument>(this.store, TICKETS_COLLECTION, { lastPosition: range }, {
      sort: [{ field: 'lastPosition', direction: 'asc' }],
      pageSize: POLL_LIMIT,
      past: (last) => ({ lastPosition: { gt: last.lastPosition } }),
    });
    for await (const docs of pages) yield docs.map((doc) => ({ ticketId: doc.ticketId, customerId: doc.customerId, position: doc.lastPosition }));
  }

  /**
   * Without the projector in this process: tickets changed since the last look, once a second, up to
   * the applied watermark (every position up to it is in the read models). Where partitions are
   * applied apart (Kafka), a ticket may move to a position below one already in the read models; a
   * look that went past the watermark would have sent the higher one and never this one.
   */
  private fromPolling(after: number): Observable<TicketChange> {
    return new Observable<TicketChange>((subscriber) => {
      let last = after;
      const look = async (): Promise<void> => {
        const reached = await this.watermark.read();
        if (reached <= last) return;
        for await (const changes of this.changedTickets(last, reached)) {
          for (const change of changes) subscriber.next(change);
        }
        last = reached;
      };
      // One look at a time: a look paging through many tickets may outlast the interval, and a second
      // one started from the same `last` would send its changes twice.
      let looking = false;
      const timer = setInterval(() => {
        if (looking) return;
        looking = true;
        look().then(
          () => (looking = false),
          (error: unknown) => subscriber.error(error),
        );
      }, POLL_MS);
      return () => clearInterval(timer);
    });
  }
}

/** The message for one ticket change, sent live or replayed alike. */
function ticketChange(event: RecordedTicketEvent): TicketChange {
  return { ticketId: event.data.ticketId, customerId: event.metadata.customerId, position: event.position, type: event.type };
}
