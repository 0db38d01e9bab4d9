// The auditor's HTTP routes: a stream's history and the global log with every event's full
// envelope (JSON pages, or NDJSON streamed for exports), the 360 view and the timeline as of any
// position or instant, and the access log. Every read of customer data is recorded in the access
// log before it is answered. Roles: auditor (and admin, who may call every route).
import { Controller, Get, Headers, Inject, Param, Query as QueryParam, Req, Res, type PipeTransform } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuse, type Clock, type RecordedEvent } from '@app/event-sourcing';
import { ACCESS_LOG, EVENT_STORE, type AccessLog, type EventStore, type LogQuery } from '@app/event-store';
import { AccessLogged, AccessRecorder, ApiAnswer, ApiRefusals, CLOCK, IdParam, prefersNdjson, Roles, RequestValidationError, type AuthenticatedRequest } from '@app/platform';
import { CUSTOMER_360_ENRICHER_FACTORY, type Customer360EnricherFactory } from '@app/customer-view';
import type { Projection } from '@app/read-store';
import { AUDIT_PROJECTIONS, CustomerAsOf, type AsOf, type AsOfContext } from '../as-of/customer-as-of';
import { AccessLogQueryDto, AsOfQueryDto, AsOfTimelineQueryDto, LogQueryDto, StreamHistoryQueryDto } from './audit.dtos';
import { streamNdjson } from './ndjson-response';
import type { AccessLogPage, AuditEnvelope, AuditLogPage, AuditStreamPage } from './audit-answers';

/** Stream ids are `<category>-<id>`; `$` (store-internal) streams are not user history. */
const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;

class StreamIdPipe implements PipeTransform<string, string> {
  /** What the OpenAPI document says of the parameter (read by the platform's document builder). */
  readonly openApiSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: STREAM_ID.source };

  transform(value: string): string {
    if (typeof value !== 'string' || !STREAM_ID.test(value)) {
      throw new RequestValidationError([{ field: 'streamId', message: 'streamId must be 1–200 characters of letters, digits and _ . : @ -, starting with a letter or digit' }]);
    }
    return value;
  }
}

/** An event with its whole envelope, in the order an auditor reads it. */
export function auditEnvelope(event: RecordedEvent): AuditEnvelope {
  return {
    position: event.position,
    streamId: event.streamId,
    revision: event.revision,
    eventId: event.eventId,
    type: event.type,
    recordedAt: event.recordedAt,
    metadata: event.metadata,
    data: event.data,
  };
}

const EXPORT_PAGE = 1_000;

function parseAsOf(value: string | undefined): AsOf {
  if (value === undefined) return { kind: 'now' };
  if (/^\d+$/.test(value)) return { kind: 'position', position: Number(value) };
  // AsOfQueryDto let only a position or an instant Date reads through.
  return { kind: 'instant', at: new Date(value) };
}

function asOfHeaders(reply: FastifyReply, context: AsOfContext): void {
  reply.header('X-Chronicle-As-Of', context.at);
  reply.header('X-Chronicle-As-Of-Position', String(context.position));
  reply.header('Cache-Control', 'no-store');
}

@ApiTags('audit')
@ApiBearerAuth()
@Roles('auditor')
@Controller({ path: 'audit', version: '1' })
export class AuditController {
  private readonly asOf: CustomerAsOf;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(ACCESS_LOG) private readonly accessLog: AccessLog,
    @Inject(AUDIT_PROJECTIONS) projections: readonly Projection[],
    @Inject(CUSTOMER_360_ENRICHER_FACTORY) enrichers: Customer360EnricherFactory,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: AccessRecorder,
  ) {
    this.asOf = new CustomerAsOf(events, projections, enrichers, clock);
  }

  /**
   * A replay's asOf, if it names what has happened: an instant not in the future (as the analytics
   * routes take it) and a position the log has reached. A replay as of 9999 answered 200 with figures
   * that depend on the clock (overdue tickets, value figures) judged at that made-up instant.
   */
  private async replayPoint(value: string | undefined): Promise<AsOf> {
    const asOf = parseAsOf(value);
    const now = this.clock.now();
    if (asOf.kind === 'instant' && asOf.at.getTime() > now.getTime()) {
      throw new RequestValidationError([{ field: 'asOf', message: `asOf must not lie in the future (now is ${now.toISOString()})` }]);
    }
    if (asOf.kind === 'position') {
      const head = await this.events.headPosition();
      if (asOf.position > head) throw new RequestValidationError([{ field: 'asOf', message: `asOf must be a position the log has reached (its head is ${head})` }]);
    }
    return asOf;
  }

  @Get('streams/:streamId')
  @ApiOperation({ summary: 'One stream with every event\'s full envelope, paged by revision; NDJSON with Accept: application/x-ndjson' })
  @ApiAnswer(200, 'AuditStreamPage', 'One page of the stream (JSON), or every event from fromRevision (NDJSON)', { ndjsonLine: 'AuditEnvelope' })
  @ApiRefusals({ 404: 'The stream has no events (with fromRevision 0).' })
  async stream(
    @Param('streamId', new StreamIdPipe()) streamId: string,
    @QueryParam() query: StreamHistoryQueryDto,
    @Headers('accept') accept: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const recorded = new Set<string>();
    // Whose data a page holds is known once it is read: recorded before the page is sent.
    const record = async (page: readonly RecordedEvent[]): Promise<void> => {
      const customers = [...new Set(page.map((event) => event.metadata.customerId))].filter((customer) => !recorded.has(customer));
      if (customers.length === 0) return;
      await this.recorder.record(request as AuthenticatedRequest, prefersNdjson(accept) ? 'audit-stream-export' : 'audit-stream', customers);
      for (const customer of customers) recorded.add(customer);
    };
    const from = query.fromRevision ?? 0;
    const ndjson = prefersNdjson(accept);
    const total = query.limit ?? (ndjson ? Number.POSITIVE_INFINITY : 100);
    // The first page before anything is answered: a stream with no events is a 404 in either form
    // (the export of an unknown stream was an empty 200, which a script cannot tell from an empty stream).
    // A page of JSON reads one event more than it answers: whether another page follows (a last page
    // that was exactly full said so, and the next one was empty; found from outside).
    const read = await this.events.readStream(streamId, { fromRevision: from, maxCount: ndjson ? Math.min(EXPORT_PAGE, total) : total + 1 });
    const first = ndjson ? read : read.slice(0, total);
    if (first.length === 0 && from === 0) throw refuse.notFound(`Stream ${streamId} not found`, 'streamId');
    if (ndjson) {
      const events = this.events;
      async function* pages(): AsyncGenerator<AuditEnvelope[]> {
        let page = first;
        let sent = 0;
        while (page.length > 0) {
          await record(page);
          sent += page.length;
          yield page.map(auditEnvelope);
          if (sent >= total) return;
          page = await events.readStream(streamId, { fromRevision: page[page.length - 1].revision + 1, maxCount: Math.min(EXPORT_PAGE, total - sent) });
        }
      }
      await streamNdjson(reply, pages());
      return;
    }
    await record(first);
    reply.header('Cache-Control', 'no-store');
    const answer: AuditStreamPage = { streamId, items: first.map(auditEnvelope), nextRevision: read.length > total ? first[first.length - 1].revision + 1 : null };
    // Sent as JSON, `Content-Type: application/json; charset=utf-8`, as for a route that returns its answer.
    reply.send(answer);
  }

  @Get('log')
  @ApiOperation({
    summary: 'The global log with every event\'s full envelope, paged by position, filtered by recordedAt range, event types and customer; NDJSON (streamed) with Accept: application/x-ndjson',
  })
  @ApiAnswer(200, 'AuditLogPage', 'One page of the log (JSON), or every matching event (NDJSON)', { ndjsonLine: 'AuditEnvelope' })
  async log(@QueryParam() query: LogQueryDto, @Headers('accept') accept: string | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const filter: LogQuery = {
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.until !== undefined ? { until: query.until } : {}),
      ...(query.from !== undefined ? { recordedFrom: query.from } : {}),
      ...(query.to !== undefined ? { recordedBefore: query.to } : {}),
      ...(query.type !== undefined ? { types: query.type } : {}),
      ...(query.customerId !== undefined ? { customerId: query.customerId } : {}),
    };
    const ndjson = prefersNdjson(accept);
    // One entry for the read: the customer it was limited to, or null for a read across every customer.
    await this.recorder.record(request as AuthenticatedRequest, ndjson ? 'audit-log-export' : 'audit-log', [query.customerId ?? null]);
    if (ndjson) {
      const events = this.events;
      const total = query.limit ?? Number.POSITIVE_INFINITY;
      async function* pages(): AsyncGenerator<AuditEnvelope[]> {
        let after = filter.after ?? 0;
        let sent = 0;
        while (sent < total) {
          const page = await events.queryLog({ ...filter, after, maxCount: Math.min(EXPORT_PAGE, total - sent) });
          if (page.length === 0) return;
          sent += page.length;
          after = page[page.length - 1].position;
          yield page.map(auditEnvelope);
        }
      }
      await streamNdjson(reply, pages());
      return;
    }
    const limit = query.limit ?? 100;
    const read = await this.events.queryLog({ ...filter, maxCount: limit + 1 });
    const page = read.slice(0, limit);
    reply.header('Cache-Control', 'no-store');
    const answer: AuditLogPage = { items: page.map(auditEnvelope), nextAfter: read.length > limit ? page[page.length - 1].position : null };
    reply.send(answer);
  }

  @Get('customers/:customerId/360')
  @AccessLogged('audit-360-as-of')
  @ApiOperation({ summary: 'The 360 view as of a global position or an instant: the customer\'s events up to then through the same projections; without asOf it equals the live view' })
  @ApiAnswer(200, 'Customer360Answer', 'The 360 view as of then; X-Chronicle-As-Of and X-Chronicle-As-Of-Position say which point it shows')
  @ApiRefusals({ 404: 'The customer was not registered as of then.' })
  async customer360(@IdParam('customerId') customerId: string, @QueryParam() query: AsOfQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { view, context } = await this.asOf.view360(customerId, await this.replayPoint(query.asOf));
    if (view === null) throw refuse.notFound(`Customer ${customerId} was not registered as of ${query.asOf ?? 'now'}`, 'customerId');
    asOfHeaders(reply, context);
    return view;
  }

  @Get('customers/:customerId/timeline')
  @AccessLogged('audit-timeline-as-of')
  @ApiOperation({ summary: 'The timeline as of a global position or an instant, paged like the live timeline' })
  @ApiAnswer(200, 'TimelinePage', 'The timeline as of then; X-Chronicle-As-Of and X-Chronicle-As-Of-Position say which point it shows')
  @ApiRefusals({ 404: 'The customer was not registered as of then.' })
  async timeline(@IdParam('customerId') customerId: string, @QueryParam() query: AsOfTimelineQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { page, context } = await this.asOf.timeline(customerId, await this.replayPoint(query.asOf), {
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      ...(query.channel !== undefined ? { channel: query.channel } : {}),
      ...(query.kind !== undefined ? { kind: query.kind } : {}),
    });
    if (page === null) throw refuse.notFound(`Customer ${customerId} was not registered as of ${query.asOf ?? 'now'}`, 'customerId');
    asOfHeaders(reply, context);
    return page;
  }

  @Get('access-log')
  @ApiOperation({ summary: 'Who read whose data and when: filtered by customer, reader (API key id or name) and time, oldest first, paged with a cursor' })
  @ApiAnswer(200, 'AccessLogPage')
  async accessLogEntries(@QueryParam() query: AccessLogQueryDto): Promise<AccessLogPage> {
    const page = await this.accessLog.query({
      ...(query.customerId !== undefined ? { customerId: query.customerId } : {}),
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.cursor !== undefined ? { after: query.cursor } : {}),
      limit: query.limit ?? 100,
    });
    return { items: page.entries, nextCursor: page.next };
  }
}
