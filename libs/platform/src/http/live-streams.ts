// Server-sent event streams that end with the process and resume without gaps. A stream left open by
// a console tab would otherwise hold the HTTP server open after SIGTERM (server.close() waits for
// every response), so every deploy waited on the slowest tab to close. Shutdown ends each stream,
// and a reconnecting client sends Last-Event-ID (the last position it saw) to get what it missed.
import {
  applyDecorators, Inject, Injectable, Sse, UseInterceptors, type BeforeApplicationShutdown, type CallHandler, type ExecutionContext, type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';
import { Observable, Subject, takeUntil } from 'rxjs';
import type { RecordedEvent } from '@app/event-sourcing';
import { CHRONICLE_CONFIG, type ChronicleConfig } from '../config/chronicle-config';
import type { AppliedEvents } from '../consistency/read-your-writes';
import { invalidInput, ProblemException } from '../errors/problem.filter';
import { metricsRegistry } from '../observability/metrics-registry';

const openStreams = new Gauge({
  name: 'chronicle_live_streams',
  help: 'Server-sent event streams open now',
  registers: [metricsRegistry],
});

/** Seconds a client should wait before reconnecting to a server that is shutting down. */
const RECONNECT_AFTER_SECONDS = 1;
/** Events read from the log per page of a replay. */
const REPLAY_PAGE = 500;
/** Longest a replay waits for the projector to apply what the log already holds. */
const REPLAY_WAIT_MS = 5_000;
/** More was missed than a replay sends one by one (LIVE_REPLAY_MAX_EVENTS): the stream sends its summary. */
export class ReplayTooLongError extends Error {
  constructor(readonly after: number, readonly limit: number) {
    super(`More than ${limit} events after position ${after} to replay`);
    this.name = 'ReplayTooLongError';
  }
}

@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly ending = new Subject<void>();
  private closing = false;

  constructor(@Inject(CHRONICLE_CONFIG) private readonly config: Pick<ChronicleConfig, 'LIVE_REPLAY_MAX_EVENTS'>) {}

  /** followApplied, replaying at most LIVE_REPLAY_MAX_EVENTS events before the feed's summary. */
  followApplied<T extends { readonly position: number }>(applied: AppliedEvents, after: number | undefined, feed: AppliedFeed<T>): Observable<T> {
    return followApplied(applied, after, feed, this.config.LIVE_REPLAY_MAX_EVENTS);
  }

  /** Refuses a new stream once shutdown began (503 with Retry-After: the client reconnects elsewhere). */
  assertOpen(): void {
    if (this.closing) {
      throw new ProblemException(503, 'The server is shutting down; reconnect with Last-Event-ID', {
        code: 'SHUTTING_DOWN',
        headers: { 'Retry-After': String(RECONNECT_AFTER_SECONDS) },
      });
    }
  }

  /** The stream as served: it completes (the response ends) when the application shuts down. */
  serve<T>(stream: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      openStreams.inc();
      const subscription = stream.pipe(takeUntil(this.ending)).subscribe(subscriber);
      return () => {
        openStreams.dec();
        subscription.unsubscribe();
      };
    });
  }

  /** Runs before the HTTP server closes: ends every open stream, so the server can close at once. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    this.ending.next();
    this.ending.complete();
  }
}

/**
 * The head of a server-sent event answer, each header once. Nest writes its own Cache-Control
 * (private, no-cache, no-store, must-revalidate, max-age=0, no-transform) after the headers the reply
 * held, under another spelling, so the API's `cache-control: no-store` went out as a second
 * Cache-Control; and it adds `Expire: 0`, a header HTTP does not define (Cache-Control already forbids
 * any copy). Nest reads the reply's headers before any interceptor of the route runs, so the head is
 * mended as it is written: one header per name whatever its case, the later value kept.
 */
@Injectable()
export class LiveStreamHead implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const raw: ServerResponse = context.switchToHttp().getResponse<FastifyReply>().raw;
    const writeHead = raw.writeHead as (statusCode: number, ...rest: unknown[]) => ServerResponse;
    raw.writeHead = ((statusCode: number, ...rest: unknown[]) => {
      const last = rest.length - 1;
      const headers = rest[last];
      if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) rest[last] = eachHeaderOnce(headers as OutgoingHttpHeaders);
      return writeHead.call(raw, statusCode, ...rest);
    }) as typeof raw.writeHead;
    return next.handle();
  }
}

function eachHeaderOnce(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const byName = new Map<string, readonly [string, OutgoingHttpHeaders[string]]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name.toLowerCase() !== 'expire') byName.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(byName.values());
}

/** A server-sent event route (Nest's @Sse) with its answer's head as LiveStreamHead makes it. */
export const LiveStream = (path: string) => applyDecorators(Sse(path), UseInterceptors(LiveStreamHead));

/** The Last-Event-ID header as a global position; undefined without one, 400 when it is not one. */
export function lastEventPosition(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw invalidInput('Last-Event-ID', 'Last-Event-ID must be the id of an event this stream sent (a global position)');
  }
  return Number(value.trim());
}

/**
 * Live updates preceded by what the client missed: subscribes to `live` first (buffering), then
 * emits `missed()` page by page in position order, then the buffered and later live updates it has
 * not emitted yet. So an update that lands while the replay is read is neither lost nor sent twice.
 * Each page must lie after the previous one (a keyset over positions); the process holds one at a time.
 */
export function resumeAfter<T extends { readonly position: number }>(live: Observable<T>, missed: () => AsyncIterable<readonly T[]>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let replaying = true;
    let sent = 0;
    let closed = false;
    const buffered: T[] = [];
    const emit = (update: T): void => {
      if (update.position <= sent) return;
      sent = update.position;
      subscriber.next(update);
    };
    const subscription = live.subscribe({
      next: (update) => (replaying ? buffered.push(update) : emit(update)),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    void (async () => {
      for await (const page of missed()) {
        if (closed) return;
        for (const update of [...page].sort((a, b) => a.position - b.position)) emit(update);
      }
      replaying = false;
      for (const update of buffered.splice(0).sort((a, b) => a.position - b.position)) emit(update);
    })().catch((error: unknown) => subscriber.error(error));
    return () => {
      closed = true;
      subscription.unsubscribe();
    };
  });
}

/**
 * What a feed of `applied.onApplied` would have heard after `position`, read from the log again:
 * `read(after, maxCount)` is the feed's own filter as a log query (a page in position order), and
 * the answer stops where the projector has got to, since live messages go out once the read models
 * include an event. Reading the log, not a read model, keeps every event the feed sends (whatever
 * stream or writer appended it, whether or not a read model keeps a row of it) and each one apart.
 * It waits (bounded) for the projector to apply what the log already holds: a batch applied while
 * nobody listened may still be on its way to this thread, and its events reach no listener.
 */
export async function appliedAfter(
  applied: AppliedEvents,
  position: number,
  read: (after: number, maxCount: number) => Promise<readonly RecordedEvent[]>,
  limit: number,
): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  for (let after = position; ; ) {
    const wanted = Math.min(REPLAY_PAGE, limit + 1 - found.length);
    const page = await read(after, wanted);
    found.push(...page);
    // A client days behind (or sending 0) must not make this process read and hold the log: bounded.
    if (found.length > limit) throw new ReplayTooLongError(position, limit);
    const last = page.at(-1);
    if (!last || page.length < wanted) break;
    after = last.position;
  }
  const last = found.at(-1)?.position ?? 0;
  if (last > applied.position) await applied.waitForPosition(last, REPLAY_WAIT_MS);
  // Beyond it, events reach the live feed as they are applied.
  const reached = applied.position;
  return found.filter((event) => event.position <= reached);
}

/** What a stream that follows the projector sends, and what it reads again for a client that reconnects. */
export interface AppliedFeed<T extends { readonly position: number }> {
  /** The message for an applied event, or undefined for an event this stream does not send. */
  readonly message: (event: RecordedEvent) => T | undefined;
  /** The log query of the events `message` sends (at least those): a page after `after`. */
  readonly read: (after: number, maxCount: number) => Promise<readonly RecordedEvent[]>;
  /**
   * For a client further behind than a replay goes (LIVE_REPLAY_MAX_EVENTS): what says "read it
   * again", in pages after `after` (each page's positions past the previous page's), every one of them.
   */
  readonly summary: (after: number) => AsyncIterable<readonly T[]>;
}

/**
 * The messages of `feed` as the projector applies events, after (for a client reconnecting after
 * `after`) the same messages read again from the log (at most `limit` events), or the feed's
 * summary when more were missed.
 */
export function followApplied<T extends { readonly position: number }>(applied: AppliedEvents, after: number | undefined, feed: AppliedFeed<T>, limit: number): Observable<T> {
  const messagesOf = (events: readonly RecordedEvent[]): T[] => events.flatMap((event) => feed.message(event) ?? []);
  const live = new Observable<T>((subscriber) =>
    applied.onApplied((events) => {
      for (const message of messagesOf(events)) subscriber.next(message);
    }),
  );
  if (after === undefined) return live;
  async function* missed(): AsyncIterable<readonly T[]> {
    let events: readonly RecordedEvent[];
    try {
      events = await appliedAfter(applied, after as number, feed.read, limit);
    } catch (error) {
      if (!(error instanceof ReplayTooLongError)) throw error;
      yield* feed.summary(after as number);
      return;
    }
    yield messagesOf(events);
  }
  return resumeAfter(live, missed);
}
