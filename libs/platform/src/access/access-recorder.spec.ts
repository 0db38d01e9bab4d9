// The access-log step of the HTTP pipeline on its own: a read runs while its entry is committed, and
// nothing of it (answer or refusal) goes out before the entry is durable; a refused entry answers at once.
import { NotFoundException, Query, ServiceUnavailableException, Sse, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { IsInt, IsOptional } from 'class-validator';
import { Reflector } from '@nestjs/core';
import { firstValueFrom, from, Subject, type Observable } from 'rxjs';
import { FixedClock } from '@app/event-sourcing';
import type { AccessEntry, AccessLog } from '@app/event-store';
import { AccessLogged, AccessLogInterceptor, AccessRecorder } from './access-recorder';

class ConsistencyQuery {
  @IsOptional() @IsInt() minPosition?: number;
}

class Reads {
  @AccessLogged('customer360')
  view(): void {}

  @AccessLogged('customer360')
  withQuery(@Query() _query: ConsistencyQuery): void {}

  @AccessLogged('customer360')
  @Sse('live')
  live(): void {}
}

/** An access log whose commits the test completes by hand. */
class HeldAccessLog implements AccessLog {
  readonly entries: AccessEntry[] = [];
  private readonly held: { resolve: () => void; reject: (error: Error) => void }[] = [];

  record(entry: AccessEntry): Promise<void> {
    this.entries.push(entry);
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }

  commit(): void {
    for (const waiting of this.held.splice(0)) waiting.resolve();
  }

  refuse(): void {
    for (const waiting of this.held.splice(0)) waiting.reject(new Error('disk full'));
  }

  query(): never {
    throw new Error('not used');
  }

  async close(): Promise<void> {}
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a controller method, as getHandler() gives it
function readOf(customerId: string, handler: Function = Reads.prototype.view, query = ''): ExecutionContext {
  const request = { method: 'GET', url: `/v1/customers/${customerId}${query}`, params: { customerId }, headers: {}, raw: { headersDistinct: {} }, principal: { keyId: 'k-1', label: 'Agent', roles: ['support'] } };
  return {
    getHandler: () => handler,
    getClass: () => Reads,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

/** A route that reports when it ran and answers when the test says so. */
function route(): { handler: CallHandler; ran: () => boolean; answer: (value: unknown) => void; refuse: (error: Error) => void } {
  let ran = false;
  let settle!: { resolve: (value: unknown) => void; reject: (error: Error) => void };
  const answered = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  return {
    handler: { handle: (): Observable<unknown> => ((ran = true), from(answered)) },
    ran: () => ran,
    answer: (value) => settle.resolve(value),
    refuse: (error) => settle.reject(error),
  };
}

/** Settles once the observable does; `state()` says whether it has yet. */
function watch(answer: Observable<unknown>): { result: Promise<unknown>; state: () => 'pending' | 'answered' | 'refused' } {
  let state: 'pending' | 'answered' | 'refused' = 'pending';
  const result = firstValueFrom(answer).then(
    (value) => ((state = 'answered'), value),
    (error: unknown) => {
      state = 'refused';
      throw error;
    },
  );
  result.catch(() => undefined);
  return { result, state: () => state };
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('AccessLogInterceptor (a route naming its customer)', () => {
  let log: HeldAccessLog;
  let interceptor: AccessLogInterceptor;

  beforeEach(() => {
    log = new HeldAccessLog();
    interceptor = new AccessLogInterceptor(new Reflector(), new AccessRecorder(new FixedClock(new Date('2026-01-01T00:00:00.000Z')), log));
  });

  it('runs the read while its entry commits, and answers only once the entry is durable', async () => {
    const read = route();
    const answer = watch(interceptor.intercept(readOf('c-1'), read.handler));
    await turns();
    expect(read.ran()).toBe(true);
    expect(log.entries).toMatchObject([{ action: 'customer360', customerId: 'c-1', actor: { id: 'k-1' } }]);
    read.answer({ customerId: 'c-1' });
    await turns();
    expect(answer.state()).toBe('pending');
    log.commit();
    await expect(answer.result).resolves.toEqual({ customerId: 'c-1' });
  });

  it('sends no event of a live stream before its entry is durable (the stream\'s headers may go first: they carry no data)', async () => {
    const events = new Subject<unknown>();
    const seen: unknown[] = [];
    interceptor.intercept(readOf('c-5', Reads.prototype.live), { handle: () => events.asObservable() }).subscribe({ next: (event) => seen.push(event) });
    events.next({ data: 'first' });
    await turns();
    expect(log.entries).toMatchObject([{ action: 'customer360', customerId: 'c-5' }]);
    expect(seen).toEqual([]);
    log.commit();
    await turns();
    events.next({ data: 'second' });
    await turns();
    expect(seen).toEqual([{ data: 'first' }, { data: 'second' }]);
  });

  it('answers a refused entry with its error at once and never the data, whether the read ends before or after', async () => {
    const early = route();
    const servedEarly = watch(interceptor.intercept(readOf('c-1'), early.handler));
    early.answer({ customerId: 'c-1' });
    await turns();
    log.refuse();
    await expect(servedEarly.result).rejects.toThrow('disk full');

    const late = route();
    const servedLate = watch(interceptor.intercept(readOf('c-1'), late.handler));
    await turns();
    log.refuse();
    await turns();
    expect(servedLate.state()).toBe('refused');
    late.answer({ customerId: 'c-1' });
    await expect(servedLate.result).rejects.toThrow('disk full');
  });

  it('holds the read\'s own refusal (404) until the entry of the attempt is durable', async () => {
    const read = route();
    const answer = watch(interceptor.intercept(readOf('c-404'), read.handler));
    read.refuse(new NotFoundException('Customer c-404 is not registered'));
    await turns();
    expect(answer.state()).toBe('pending');
    log.commit();
    await expect(answer.result).rejects.toBeInstanceOf(NotFoundException);
  });

  it('names in the resource only the query parameters the route declares: one its validation will refuse (an id sent as a name) stays out', async () => {
    const read = route();
    const answer = watch(interceptor.intercept(readOf('c-1', Reads.prototype.withQuery, '?minPosition=4&cus8f3a9c2d41e7=1'), read.handler));
    watch(interceptor.intercept(readOf('c-2', Reads.prototype.view, '?cus8f3a9c2d41e7'), route().handler));
    log.commit();
    read.answer({});
    await answer.result;
    expect(log.entries.map((entry) => entry.resource)).toEqual(['GET /v1/customers/c-1?minPosition=…&…', 'GET /v1/customers/c-2?…']);
  });

  it('serves no customer data where no access log is configured', async () => {
    const unlogged = new AccessLogInterceptor(new Reflector(), new AccessRecorder(new FixedClock(new Date())));
    const read = route();
    read.answer({ customerId: 'c-1' });
    await expect(firstValueFrom(unlogged.intercept(readOf('c-1'), read.handler))).rejects.toBeInstanceOf(ServiceUnavailableException);
  });
});
