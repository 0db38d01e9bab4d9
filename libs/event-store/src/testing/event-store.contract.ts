// The EventStore port's contract suite: every adapter's integration spec calls it with a factory.
// It assumes a possibly shared store: unique stream ids per test, and no assumption about what else is in
// the global log (start value, contiguity, foreign events between ours).
import { randomUUID } from 'node:crypto';
import { InvalidInstantError, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type Subscription,
} from '../event-store.port';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  dispose(): Promise<void>;
}

const SUBSCRIPTION_TIMEOUT_MS = 60_000;

export function describeEventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    const openSubscriptions: Subscription[] = [];

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await Promise.all(openSubscriptions.splice(0).map((subscription) => subscription.close()));
      await subject.dispose();
    });

    describe('append and expected revisions', () => {
      it('creates a stream with no_stream; revisions are 0-based and consecutive', async () => {
        const stream = uniqueStream('order');
        const result = await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        const read = await store.readStream(stream);
        expect(read.map((event) => event.revision)).toEqual([0, 1, 2]);
        expect(result.nextExpectedRevision).toBe(2);
        expect(result.position).toBe(read[2].position);

        const next = await store.append(stream, events(2), { expectedRevision: 2 });
        expect(next.nextExpectedRevision).toBe(4);
        expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
      });

      it('refuses no_stream on an existing stream, reporting its last revision', async () => {
        const stream = uniqueStream('call');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const error = await appendError(store, stream, events(1), 'no_stream');
        expect(error.streamId).toBe(stream);
        expect(error.expected).toBe('no_stream');
        expect(error.actual).toBe(1);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('stream_exists refuses a missing stream (actual no_stream) and accepts an existing one', async () => {
        const stream = uniqueStream('ticket');
        const error = await appendError(store, stream, events(1), 'stream_exists');
        expect(error.actual).toBe('no_stream');
        expect(await store.readStream(stream)).toEqual([]);

        await store.append(stream, events(1), { expectedRevision: 'no_stream' });
        const result = await store.append(stream, events(1), { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision succeeds only when it is the last revision, and reports the actual one', async () => {
        const stream = uniqueStream('customer');
        expect((await appendError(store, stream, events(1), 0)).actual).toBe('no_stream');

        await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        const tooLow = await appendError(store, stream, events(1), 1);
        expect(tooLow.expected).toBe(1);
        expect(tooLow.actual).toBe(2);
        const tooHigh = await appendError(store, stream, events(1), 5);
        expect(tooHigh.actual).toBe(2);

        const result = await store.append(stream, events(1), { expectedRevision: 2 });
        expect(result.nextExpectedRevision).toBe(3);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      it('any appends to a missing and to an existing stream', async () => {
        const stream = uniqueStream('note');
        expect((await store.append(stream, events(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.append(stream, events(2), { expectedRevision: 'any' })).nextExpectedRevision).toBe(2);
      });

      it('gives strictly increasing global positions across streams, in append order', async () => {
        const head = await store.headPosition();
        const streams = [uniqueStream('a'), uniqueStream('b'), uniqueStream('c')];
        const positions: number[] = [];
        for (let round = 0; round < 3; round += 1) {
          for (const stream of streams) {
            const result = await store.append(stream, events(2), { expectedRevision: round === 0 ? 'no_stream' : round * 2 - 1 });
            positions.push(result.position);
          }
        }
        expectStrictlyIncreasing(positions);
        expect(positions[0]).toBeGreaterThan(head);

        const ours = (await store.readAll({ after: head })).filter((event) => streams.includes(event.streamId));
        expect(ours).toHaveLength(18);
        expectStrictlyIncreasing(ours.map((event) => event.position));
        // Each append's last event carries the position the append reported.
        expect(ours.filter((_, index) => index % 2 === 1).map((event) => event.position)).toEqual(positions);
      });
    });

    describe('envelope', () => {
      it('round-trips data and every metadata field exactly; the store sets recordedAt', async () => {
        const stream = uniqueStream('purchase');
        const event: NewEvent = {
          eventId: randomUUID(),
          type: 'PurchaseCompleted',
          data: {
            orderId: 'o-1',
            amount: 129.95,
            quantity: 3,
            lines: [{ sku: 'A-1', price: 9.5 }, { sku: 'B-2', price: 0 }],
            note: 'Grüße, 東京 ✓ "quoted"',
            gift: false,
            coupon: null,
            nested: { deep: { deeper: [1, [2, 3], { four: 4 }] } },
          },
          metadata: {
            customerId: 'c-42',
            schemaVersion: 3,
            occurredAt: '2024-05-01T10:15:30.123Z',
            actor: { type: 'agent', id: 'agent-7' },
            source: 'shop',
            correlationId: randomUUID(),
            causationId: randomUUID(),
            idempotencyKey: 'key-123',
          },
        };
        const second: NewEvent = {
          ...event,
          eventId: randomUUID(),
          type: 'PurchaseRefunded',
          data: { orderId: 'o-1', amount: 10 },
          metadata: { ...event.metadata, causationId: null, idempotencyKey: undefined, actor: { type: 'system', id: 'refunds' } },
        };
        const before = Date.now();
        const head = await store.headPosition();
        await store.append(stream, [event, second], { expectedRevision: 'no_stream' });
        const after = Date.now();

        const [readFirst, readSecond] = await store.readStream(stream);
        expect(readFirst).toMatchObject({ eventId: event.eventId, type: event.type, streamId: stream, revision: 0 });
        expect(readFirst.data).toEqual(event.data);
        expect(readFirst.metadata).toEqual(event.metadata);
        expect(readSecond.data).toEqual(second.data);
        expect(readSecond.metadata).toEqual(second.metadata);
        expect(readSecond.metadata.causationId).toBeNull();

        for (const recorded of [readFirst, readSecond]) {
          const recordedAt = Date.parse(recorded.recordedAt);
          expect(new Date(recordedAt).toISOString()).toBe(recorded.recordedAt);
          // Server clocks may differ slightly from ours; the store, not the caller, sets this value.
          expect(recordedAt).toBeGreaterThanOrEqual(before - 60_000);
          expect(recordedAt).toBeLessThanOrEqual(after + 60_000);
        }

        const fromAll = (await store.readAll({ after: head })).filter((recorded) => recorded.streamId === stream);
        expect(fromAll).toEqual([readFirst, readSecond]);
      });
    });

    describe('duplicate event ids', () => {
      it.each<[string, ExpectedRevision | 'first-revision']>([
        ['no_stream', 'no_stream'],
        ['an exact revision', 'first-revision'],
        ['any', 'any'],
      ])('appending the same events again with %s writes nothing and answers the original result, marked deduplicated', async (_, mode) => {
        const stream = uniqueStream('email');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const expectedRevision: ExpectedRevision = mode === 'first-revision' ? 1 : mode;
        const batch = events(3);
        const target = mode === 'no_stream' ? uniqueStream('email') : stream;

        const original = await store.append(target, batch, { expectedRevision });
        const head = await store.headPosition();
        const retried = await store.append(target, batch, { expectedRevision });

        expect(original.deduplicated).toBe(false);
        expect(retried).toEqual({ ...original, deduplicated: true });
        expect(await store.readAll({ after: head })).toEqual([]);
        expect((await store.readStream(target)).map((event) => event.eventId).slice(-3)).toEqual(batch.map((event) => event.eventId));
        expect(await store.readStream(target)).toHaveLength(mode === 'no_stream' ? 3 : 5);
      });

      it('a retry is the same type and the same data (canonical JSON: key order aside); its metadata may differ', async () => {
        const stream = uniqueStream('call');
        const [original] = events(1);
        const first = await store.append(stream, [{ ...original, data: { b: 2, a: { y: [1, { q: 1, p: 2 }], x: 'x' } } }], { expectedRevision: 'no_stream' });
        // A retried command carries its own correlation id and arrival time: it is still the same event.
        const retry: NewEvent = {
          ...original,
          data: { a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 2 },
          metadata: { ...original.metadata, correlationId: randomUUID(), occurredAt: '2030-01-01T00:00:00.000Z' },
        };
        expect(await store.append(stream, [retry], { expectedRevision: 'no_stream' })).toEqual({ ...first, deduplicated: true });
        const [stored] = await store.readStream(stream);
        expect(stored.metadata).toEqual(original.metadata);
      });

      it.each([
        ['other data', (event: NewEvent): NewEvent => ({ ...event, data: { sequence: -1 } })],
        ['another type', (event: NewEvent): NewEvent => ({ ...event, type: 'ContractEventChanged' })],
        ['a field more', (event: NewEvent): NewEvent => ({ ...event, data: { ...(event.data as object), extra: true } })],
      ])('the same event id with %s is refused with DuplicateEventIdError and writes nothing', async (_, change) => {
        const stream = uniqueStream('note');
        const original = events(2);
        await store.append(stream, original, { expectedRevision: 'no_stream' });
        const head = await store.headPosition();

        const error = await appendFailure(store, stream, [original[0], change(original[1])], 'no_stream');
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((error as DuplicateEventIdError).eventId).toBe(original[1].eventId);
        expect((error as DuplicateEventIdError).streamId).toBe(stream);
        expect(await store.readAll({ after: head })).toEqual([]);
        expect((await store.readStream(stream)).map((event) => event.data)).toEqual(original.map((event) => event.data));
      });

      it.each([2, 25])(
        '%i concurrent appends of the same event ids with different data: exactly one is written, the others are refused',
        async (writers) => {
          const stream = uniqueStream('call');
          const [template] = events(1);
          const attempts = await Promise.allSettled(
            Array.from({ length: writers }, (_, writer) =>
              store.append(stream, [{ ...template, data: { writer } }], { expectedRevision: 'no_stream' }),
            ),
          );
          const written = attempts.flatMap((attempt, writer) => (attempt.status === 'fulfilled' ? [{ writer, result: attempt.value }] : []));
          expect(written).toHaveLength(1);
          expect(written[0].result.deduplicated).toBe(false);
          for (const attempt of attempts) {
            if (attempt.status === 'rejected') {
              const refused = attempt.reason instanceof DuplicateEventIdError || attempt.reason instanceof WrongExpectedRevisionError;
              expect(refused ? 'refused' : attempt.reason).toBe('refused');
            }
          }
          const stored = await store.readStream(stream);
          expect(stored.map((event) => event.data)).toEqual([{ writer: written[0].writer }]);
        },
      );

      it.each<[string, (stream: string) => Promise<ExpectedRevision>]>([
        ['no_stream', async () => 'no_stream'],
        ['an exact revision', async (stream) => (await store.append(stream, events(3), { expectedRevision: 'no_stream' })).nextExpectedRevision],
      ])('25 concurrent appends of the same events with %s: one writes, every other answers its result, deduplicated', async (_, prepare) => {
        const stream = uniqueStream('note');
        const expectedRevision = await prepare(stream);
        const batch = events(2);
        const results = await Promise.all(Array.from({ length: 25 }, () => store.append(stream, batch, { expectedRevision })));

        expect(results.filter((result) => !result.deduplicated)).toHaveLength(1);
        const { nextExpectedRevision, position } = results.find((result) => !result.deduplicated) as AppendResult;
        expect(results.map((result) => ({ nextExpectedRevision: result.nextExpectedRevision, position: result.position }))).toEqual(
          results.map(() => ({ nextExpectedRevision, position })),
        );
        const stored = await store.readStream(stream);
        expect(stored.slice(-2).map((event) => event.eventId)).toEqual(batch.map((event) => event.eventId));
        expect(stored).toHaveLength(expectedRevision === 'no_stream' ? 2 : 5);
      });
    });

    describe('appendMany and readStreams', () => {
      it('appends to several streams in one call: one outcome per entry, in order, each what append would answer', async () => {
        const [a, b, c] = [uniqueStream('call'), uniqueStream('order'), uniqueStream('note')];
        await store.append(b, events(2), { expectedRevision: 'no_stream' });
        const written = [events(1), events(3), events(2)];
        const outcomes = await store.appendMany([
          { streamId: a, events: written[0], expectedRevision: 'no_stream' },
          { streamId: b, events: written[1], expectedRevision: 1 },
          { streamId: c, events: written[2], expectedRevision: 'any' },
        ]);

        const results = outcomes.map((outcome) => (outcome.ok ? outcome.result : outcome.error));
        expect(results.map((result) => ('nextExpectedRevision' in result ? [result.nextExpectedRevision, result.deduplicated] : result))).toEqual([[0, false], [4, false], [1, false]]);
        const streams = await store.readStreams([a, b, c]);
        for (const [index, stream] of [a, b, c].entries()) {
          const read = streams.get(stream) as RecordedEvent[];
          expect(read.slice(-written[index].length).map((event) => event.eventId)).toEqual(written[index].map((event) => event.eventId));
          expect((results[index] as AppendResult).position).toBe(read[read.length - 1].position);
        }
        expectStrictlyIncreasing(results.map((result) => (result as AppendResult).position));
        expect(await store.readStream(b)).toEqual(streams.get(b));
      });

      it('a refused entry writes nothing and answers its refusal; the other entries are written', async () => {
        const [taken, fresh] = [uniqueStream('call'), uniqueStream('call')];
        await store.append(taken, events(1), { expectedRevision: 'no_stream' });
        const [refusedEvents, acceptedEvents] = [events(2), events(1)];
        const outcomes = await store.appendMany([
          { streamId: taken, events: refusedEvents, expectedRevision: 'no_stream' },
          { streamId: fresh, events: acceptedEvents, expectedRevision: 'no_stream' },
        ]);

        expect(outcomes[0].ok).toBe(false);
        const refusal = (outcomes[0] as { error: unknown }).error;
        expect(refusal).toBeInstanceOf(WrongExpectedRevisionError);
        expect(refusal).toMatchObject({ streamId: taken, expected: 'no_stream', actual: 0 });
        expect(outcomes[1]).toMatchObject({ ok: true, result: { nextExpectedRevision: 0, deduplicated: false } });
        expect(await store.readStream(taken)).toHaveLength(1);
        expect((await store.readStream(fresh)).map((event) => event.eventId)).toEqual(acceptedEvents.map((event) => event.eventId));
      });

      it('entries of one stream follow each other in the order given; a refused one refuses the later ones of its stream', async () => {
        const stream = uniqueStream('ticket');
        const [first, second] = [events(2), events(1)];
        const outcomes = await store.appendMany([
          { streamId: stream, events: first, expectedRevision: 'no_stream' },
          { streamId: stream, events: second, expectedRevision: 1 },
        ]);
        expect(outcomes.map((outcome) => outcome.ok && outcome.result.nextExpectedRevision)).toEqual([1, 2]);
        expect((await store.readStream(stream)).map((event) => event.eventId)).toEqual([...first, ...second].map((event) => event.eventId));

        // The second entry was decided on the first: refused with it, though revision 0 is where the stream is.
        const other = uniqueStream('ticket');
        await store.append(other, events(1), { expectedRevision: 'no_stream' });
        const chained = await store.appendMany([
          { streamId: other, events: events(1), expectedRevision: 'no_stream' },
          { streamId: other, events: events(1), expectedRevision: 0 },
          { streamId: uniqueStream('ticket'), events: events(1), expectedRevision: 'no_stream' },
        ]);
        expect(chained.map((outcome) => (outcome.ok ? 'written' : outcome.error.constructor))).toEqual([WrongExpectedRevisionError, WrongExpectedRevisionError, 'written']);
        expect(chained[1]).toMatchObject({ error: { streamId: other, expected: 0, actual: 0 } });
        expect(await store.readStream(other)).toHaveLength(1);
      });

      it('the same call again writes nothing and answers every original result, deduplicated; a reused id with other data is refused alone', async () => {
        const [a, b] = [uniqueStream('survey'), uniqueStream('chat')];
        const entries = [
          { streamId: a, events: events(2), expectedRevision: 'no_stream' as const },
          { streamId: b, events: events(1), expectedRevision: 'no_stream' as const },
        ];
        const original = await store.appendMany(entries);
        const head = await store.headPosition();
        const again = await store.appendMany(entries);
        expect(again).toEqual(original.map((outcome) => (outcome.ok ? { ok: true, result: { ...outcome.result, deduplicated: true } } : outcome)));
        expect(await store.readAll({ after: head })).toEqual([]);

        const fresh = uniqueStream('chat');
        const changed = { ...entries[0].events[1], data: { sequence: -1 } };
        const mixed = await store.appendMany([
          { streamId: a, events: [entries[0].events[0], changed], expectedRevision: 'no_stream' },
          { streamId: fresh, events: events(1), expectedRevision: 'no_stream' },
        ]);
        expect(mixed[0].ok ? 'written' : mixed[0].error).toBeInstanceOf(DuplicateEventIdError);
        expect(mixed[1].ok).toBe(true);
        expect((await store.readStream(a)).map((event) => event.data)).toEqual(entries[0].events.map((event) => event.data));
        expect(await store.readStream(fresh)).toHaveLength(1);
      });

      it('an empty call answers nothing; readStreams maps every stream asked for, a missing one to []', async () => {
        expect(await store.appendMany([])).toEqual([]);
        const [a, b, missing] = [uniqueStream('email'), uniqueStream('email'), uniqueStream('missing')];
        await store.append(a, events(3), { expectedRevision: 'no_stream' });
        await store.append(b, events(1), { expectedRevision: 'no_stream' });
        const read = await store.readStreams([missing, b, a, b]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(missing)).toEqual([]);
        expect(read.get(a)).toEqual(await store.readStream(a));
        expect(read.get(b)).toEqual(await store.readStream(b));
        expect(await store.readStreams([])).toEqual(new Map());
      });
    });

    describe('readStreams from revisions and readEventsById (commands resuming from a snapshot)', () => {
      it('reads each stream from its own start revision in one call; streams not named from their first event', async () => {
        const [a, b, c, missing] = [uniqueStream('loyalty'), uniqueStream('loyalty'), uniqueStream('customer'), uniqueStream('missing')];
        await store.append(a, events(5), { expectedRevision: 'no_stream' });
        await store.append(b, events(3), { expectedRevision: 'no_stream' });
        await store.append(c, events(2), { expectedRevision: 'no_stream' });
        const read = await store.readStreams([a, b, c, missing, a], { fromRevisions: new Map([[a, 3], [b, 7], [missing, 1]]) });
        expect([...read.keys()].sort()).toEqual([a, b, c, missing].sort());
        expect(read.get(a)).toEqual(await store.readStream(a, { fromRevision: 3 }));
        expect(read.get(a)?.map((event) => event.revision)).toEqual([3, 4]);
        expect(read.get(b)).toEqual([]);
        expect(read.get(c)).toEqual(await store.readStream(c));
        expect(read.get(missing)).toEqual([]);
      });

      it('finds stored events by id within the stream asked, old or new, and nothing else', async () => {
        const [stream, other, missing] = [uniqueStream('loyalty'), uniqueStream('loyalty'), uniqueStream('missing')];
        const early = events(3);
        await store.append(stream, early, { expectedRevision: 'no_stream' });
        await store.append(stream, events(4), { expectedRevision: 2 });
        const late = events(2);
        await store.append(stream, late, { expectedRevision: 6 });
        const elsewhere = events(1);
        await store.append(other, elsewhere, { expectedRevision: 'no_stream' });
        const stored = await store.readStream(stream);

        const found = await store.readEventsById([
          { streamId: stream, eventId: early[1].eventId },
          { streamId: stream, eventId: late[1].eventId },
          { streamId: stream, eventId: randomUUID() },
          // Stored, but in another stream than the one asked: not an answer.
          { streamId: stream, eventId: elsewhere[0].eventId },
          { streamId: other, eventId: elsewhere[0].eventId },
          { streamId: missing, eventId: randomUUID() },
        ]);
        const byId = (list: readonly RecordedEvent[]) => [...list].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));
        expect(byId(found)).toEqual(byId([stored[1], stored[8], (await store.readStream(other))[0]]));
        expect(await store.readEventsById([])).toEqual([]);
        expect(await store.readEventsById([{ streamId: missing, eventId: early[0].eventId }])).toEqual([]);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards with fromRevision and maxCount', async () => {
        const stream = uniqueStream('chat');
        const appended = events(6);
        await store.append(stream, appended, { expectedRevision: 'no_stream' });
        const ids = (recorded: RecordedEvent[]) => recorded.map((event) => event.eventId);
        const all = appended.map((event) => event.eventId);

        expect(ids(await store.readStream(stream))).toEqual(all);
        expect(ids(await store.readStream(stream, { fromRevision: 2 }))).toEqual(all.slice(2));
        expect(ids(await store.readStream(stream, { fromRevision: 1, maxCount: 3 }))).toEqual(all.slice(1, 4));
        expect(ids(await store.readStream(stream, { direction: 'backwards' }))).toEqual([...all].reverse());
        expect(ids(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([all[5], all[4]]);
        expect(ids(await store.readStream(stream, { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual([all[3], all[2]]);
        expect(await store.readStream(stream, { fromRevision: 6 })).toEqual([]);
      });

      it('returns an empty array for a missing stream', async () => {
        expect(await store.readStream(uniqueStream('missing'))).toEqual([]);
        expect(await store.readStream(uniqueStream('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('readAll and headPosition', () => {
      it('reads strictly after a position, at most maxCount events', async () => {
        const head = await store.headPosition();
        const stream = uniqueStream('survey');
        await store.append(stream, events(5), { expectedRevision: 'no_stream' });

        const after = await store.readAll({ after: head });
        const ours = after.filter((event) => event.streamId === stream);
        expect(ours.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(after.every((event) => event.position > head)).toBe(true);
        expectStrictlyIncreasing(after.map((event) => event.position));

        const firstTwo = await store.readAll({ after: head, maxCount: 2 });
        expect(firstTwo).toEqual(after.slice(0, 2));
        const rest = await store.readAll({ after: firstTwo[1].position, maxCount: 1 });
        expect(rest).toEqual([after[2]]);
      });

      it('never shows store-internal events', async () => {
        const head = await store.headPosition();
        const stream = uniqueStream('segment');
        await store.append(stream, events(1), { expectedRevision: 'no_stream' });
        await store.setStreamMetadata(stream, { custom: { archived: true } });
        const after = await store.readAll({ after: head });
        expect(after.some((event) => event.streamId === stream)).toBe(true);
        expect(after.filter((event) => event.type.startsWith('$') || event.streamId.startsWith('$'))).toEqual([]);
      });

      it('headPosition moves to the newest event', async () => {
        const before = await store.headPosition();
        const stream = uniqueStream('loyalty');
        const result = await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        expect(result.position).toBeGreaterThan(before);
        expect(head).toBeGreaterThanOrEqual(result.position);
        const ours = (await store.readAll({ after: before })).filter((event) => event.streamId === stream);
        expect(ours[ours.length - 1].position).toBe(result.position);
      });
    });

    describe('queryLog', () => {
      it('filters by customer, by types and by a position range, in log order, at most maxCount', async () => {
        const head = await store.headPosition();
        const ada = `ada-${randomUUID()}`;
        const bob = `bob-${randomUUID()}`;
        await store.append(uniqueStream('call'), events(2, ada, 'ContractCallLogged'), { expectedRevision: 'no_stream' });
        await store.append(uniqueStream('note'), events(2, bob), { expectedRevision: 'no_stream' });
        await store.append(uniqueStream('order'), events(3, ada), { expectedRevision: 'no_stream' });
        const ours = (await store.readAll({ after: head })).filter((event) => [ada, bob].includes(event.metadata.customerId));
        const adas = ours.filter((event) => event.metadata.customerId === ada);

        expect(await store.queryLog({ customerId: ada })).toEqual(adas);
        expect(await store.queryLog({ customerId: ada, types: ['ContractCallLogged'] })).toEqual(adas.slice(0, 2));
        expect(await store.queryLog({ customerId: ada, types: [] })).toEqual([]);
        expect(await store.queryLog({ customerId: ada, after: adas[0].position, until: adas[3].position })).toEqual(adas.slice(1, 4));
        expect(await store.queryLog({ customerId: ada, after: adas[1].position, maxCount: 2 })).toEqual(adas.slice(2, 4));
        expect(await store.queryLog({ customerId: `nobody-${randomUUID()}` })).toEqual([]);
        const all = await store.queryLog({ after: head, until: ours[ours.length - 1].position });
        expect(all.filter((event) => [ada, bob].includes(event.metadata.customerId))).toEqual(ours);
        expect(all).toEqual((await store.readAll({ after: head })).filter((event) => event.position <= ours[ours.length - 1].position));
      });

      it('filters by a recordedAt range: from inclusive, before exclusive', async () => {
        const customer = `cleo-${randomUUID()}`;
        for (let index = 0; index < 4; index += 1) await store.append(uniqueStream('survey'), events(2, customer), { expectedRevision: 'no_stream' });
        const ours = await store.queryLog({ customerId: customer });
        expect(ours).toHaveLength(8);
        const from = ours[2].recordedAt;
        const before = ours[6].recordedAt;
        expect(await store.queryLog({ customerId: customer, recordedFrom: from, recordedBefore: before })).toEqual(
          ours.filter((event) => event.recordedAt >= from && event.recordedAt < before),
        );
        expect(await store.queryLog({ customerId: customer, recordedFrom: from })).toEqual(ours.filter((event) => event.recordedAt >= from));
        expect(await store.queryLog({ customerId: customer, recordedBefore: ours[0].recordedAt })).toEqual([]);
      });

      it.each(['2026-02-30T10:00:00Z', '2026-03-01T10:00:00', 'yesterday', '+275760-09-14T00:00:00Z', ''])('refuses %j as recordedFrom or recordedBefore with an InvalidInstantError naming it (a local time, a day that does not exist, what Date cannot read)', async (bad) => {
        for (const argument of ['recordedFrom', 'recordedBefore'] as const) {
          const refused = store.queryLog({ [argument]: bad });
          await expect(refused).rejects.toBeInstanceOf(InvalidInstantError);
          await expect(store.queryLog({ [argument]: bad })).rejects.toMatchObject({ argument, message: expect.stringContaining('offset or Z') });
        }
      });
    });

    describe('verifyLog', () => {
      it('a log nobody changed verifies, every event of it checked or still to be sealed', async () => {
        await store.append(uniqueStream('ticket'), events(3), { expectedRevision: 'no_stream' });
        const stream = uniqueStream('ticket');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        await store.append(stream, events(2), { expectedRevision: 1 });
        const head = await store.headPosition();
        const progress: number[] = [];
        const result = await store.verifyLog({ onProgress: (checked) => progress.push(checked) });
        expect(result.broken).toBeUndefined();
        expect(result.ok).toBe(true);
        expect(result.events + result.unsealed).toBeGreaterThanOrEqual(7);
        if (result.head !== null) {
          expect(result.head.position).toBeLessThanOrEqual(head);
          expect(result.head.hash).toMatch(/^[0-9a-f]{64}$/);
        }
        expect(progress[progress.length - 1]).toBe(result.events);
      });
    });

    describe('stream metadata', () => {
      it('is empty for an unknown stream and round-trips what was set, latest write winning', async () => {
        const stream = uniqueStream('customer');
        expect(await store.getStreamMetadata(stream)).toEqual({});

        await store.setStreamMetadata(stream, { maxCount: 10, custom: { forgotten: false, tags: ['a', 'b'] } });
        expect(await store.getStreamMetadata(stream)).toEqual({ maxCount: 10, custom: { forgotten: false, tags: ['a', 'b'] } });

        await store.setStreamMetadata(stream, { custom: { forgotten: true, reason: 'GDPR request' } });
        expect(await store.getStreamMetadata(stream)).toEqual({ custom: { forgotten: true, reason: 'GDPR request' } });
      });

      it('compare-and-set: writes only while the revision is the one read, exactly one of concurrent writers wins', async () => {
        const stream = uniqueStream('lease');
        expect(await store.readStreamMetadata(stream)).toEqual({ metadata: {}, revision: null });
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { holder: 'a' } }, null)).toBe(true);
        const first = await store.readStreamMetadata(stream);
        expect(first.metadata).toEqual({ custom: { holder: 'a' } });
        expect(first.revision).not.toBeNull();

        // Someone who read "never set" is refused now that it is set.
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { holder: 'b' } }, null)).toBe(false);
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { holder: 'b' } }, first.revision)).toBe(true);
        // A stale revision is refused and changes nothing.
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { holder: 'c' } }, first.revision)).toBe(false);
        const second = await store.readStreamMetadata(stream);
        expect(second.metadata).toEqual({ custom: { holder: 'b' } });

        // A plain set moves the revision on too, so a reader of the old revision loses.
        await store.setStreamMetadata(stream, { custom: { holder: 'admin' } });
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { holder: 'd' } }, second.revision)).toBe(false);

        const contested = uniqueStream('lease');
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.compareAndSetStreamMetadata(contested, { custom: { holder: `p${i}` } }, null)),
        );
        expect(outcomes.filter(Boolean)).toHaveLength(1);
        const winner = outcomes.indexOf(true);
        expect((await store.readStreamMetadata(contested)).metadata).toEqual({ custom: { holder: `p${winner}` } });
      });

      it('compare-and-set works on a stream that has events but no metadata yet', async () => {
        const stream = uniqueStream('customer');
        await store.append(stream, events(1), { expectedRevision: 'no_stream' });
        expect((await store.readStreamMetadata(stream)).revision).toBeNull();
        expect(await store.compareAndSetStreamMetadata(stream, { custom: { n: 1 } }, null)).toBe(true);
        expect(await store.getStreamMetadata(stream)).toEqual({ custom: { n: 1 } });
      });

      it('does not change the stream revision', async () => {
        const stream = uniqueStream('customer');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        await store.setStreamMetadata(stream, { custom: { forgotten: true } });
        expect((await store.append(stream, events(1), { expectedRevision: 1 })).nextExpectedRevision).toBe(2);
      });
    });

    describe('subscribeToAll', () => {
      it(
        "from 'start' catches up, then delivers live events, in order, each exactly once",
        async () => {
          const stream = uniqueStream('call');
          const early = events(3);
          await store.append(stream, early, { expectedRevision: 'no_stream' });

          const collector = new Collector();
          openSubscriptions.push(store.subscribeToAll({ from: 'start' }, collector.handler));
          await collector.until((seen) => seen.filter((event) => event.streamId === stream).length >= 3);

          const late = events(3);
          await store.append(stream, late, { expectedRevision: 2 });
          await collector.until((seen) => seen.filter((event) => event.streamId === stream).length >= 6);

          const ours = collector.events.filter((event) => event.streamId === stream);
          expect(ours.map((event) => event.eventId)).toEqual([...early, ...late].map((event) => event.eventId));
          expectStrictlyIncreasing(collector.events.map((event) => event.position));
          const upTo = ours[5].position;
          const expected = await readAllUpTo(store, 0, upTo);
          expect(collector.events.filter((event) => event.position <= upTo).map((event) => event.position)).toEqual(
            expected.map((event) => event.position),
          );
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );

      it(
        'from a checkpoint starts strictly after it',
        async () => {
          const stream = uniqueStream('email');
          const appended = events(4);
          await store.append(stream, appended, { expectedRevision: 'no_stream' });
          const [, second] = await store.readStream(stream);
          const next = await store.readAll({ after: second.position, maxCount: 1 });

          const collector = new Collector();
          openSubscriptions.push(store.subscribeToAll({ from: { after: second.position } }, collector.handler));
          await collector.until((seen) => seen.filter((event) => event.streamId === stream).length >= 2);
          expect(collector.events[0]).toEqual(next[0]);
          expect(collector.events.filter((event) => event.streamId === stream).map((event) => event.eventId)).toEqual(
            appended.slice(2).map((event) => event.eventId),
          );

          const live = events(2);
          await store.append(stream, live, { expectedRevision: 3 });
          await collector.until((seen) => seen.filter((event) => event.streamId === stream).length >= 4);
          expect(collector.events.every((event) => event.position > second.position)).toBe(true);
          expect(collector.events.filter((event) => event.streamId === stream).map((event) => event.revision)).toEqual([2, 3, 4, 5]);
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );

      it(
        'delivers every event exactly once, with no gaps, while 20 writers append concurrently during catch-up',
        async () => {
          const checkpoint = await store.headPosition();
          const prefix = randomUUID().slice(0, 8);
          const streams = Array.from({ length: 20 }, (_, index) => `load${prefix}-${index}`);
          // Something to catch up on before the writers start.
          for (const stream of streams) await store.append(stream, events(5), { expectedRevision: 'no_stream' });

          const collector = new Collector();
          const maxBatchSize = 17;
          openSubscriptions.push(store.subscribeToAll({ from: { after: checkpoint }, maxBatchSize }, collector.handler));

          await Promise.all(
            streams.map(async (stream) => {
              for (let index = 0; index < 25; index += 1) {
                await store.append(stream, events(1), { expectedRevision: 4 + index });
              }
            }),
          );
          const total = streams.length * 30;
          const isOurs = (event: RecordedEvent) => streams.includes(event.streamId);
          await collector.until((seen) => seen.filter(isOurs).length >= total);

          const ours = collector.events.filter(isOurs);
          expect(ours).toHaveLength(total);
          expect(new Set(ours.map((event) => event.eventId)).size).toBe(total);
          for (const stream of streams) {
            expect(ours.filter((event) => event.streamId === stream).map((event) => event.revision)).toEqual(
              Array.from({ length: 30 }, (_, revision) => revision),
            );
          }
          expectStrictlyIncreasing(collector.events.map((event) => event.position));
          expect(Math.max(...collector.batchSizes)).toBeLessThanOrEqual(maxBatchSize);

          const lastOurs = ours[ours.length - 1].position;
          const log = await readAllUpTo(store, checkpoint, lastOurs);
          expect(collector.events.filter((event) => event.position <= lastOurs).map((event) => event.position)).toEqual(
            log.map((event) => event.position),
          );
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );

      it(
        'with types, delivers only events of those types, in order, through catch-up and live, past long stretches of others',
        async () => {
          const checkpoint = await store.headPosition();
          const wanted = `Wanted${randomUUID().slice(0, 8)}`;
          const alsoWanted = `AlsoWanted${randomUUID().slice(0, 8)}`;
          const stream = uniqueStream('filter');
          await store.append(stream, events(2, 'c', wanted), { expectedRevision: 'no_stream' });
          await store.append(stream, events(30, 'c'), { expectedRevision: 1 });
          await store.append(stream, events(1, 'c', alsoWanted), { expectedRevision: 31 });

          const collector = new Collector();
          const maxBatchSize = 2;
          openSubscriptions.push(store.subscribeToAll({ from: { after: checkpoint }, maxBatchSize, types: [wanted, alsoWanted] }, collector.handler));
          await collector.until((seen) => seen.length >= 3);

          // Live: many other events, then one of a wanted type, which must still arrive.
          await store.append(stream, events(40, 'c'), { expectedRevision: 32 });
          await store.append(stream, events(1, 'c', wanted), { expectedRevision: 72 });
          await collector.until((seen) => seen.length >= 4);

          const expected = (await readAllUpTo(store, checkpoint, await store.headPosition())).filter((event) => event.type === wanted || event.type === alsoWanted);
          expect(collector.events.map((event) => [event.type, event.revision])).toEqual([[wanted, 0], [wanted, 1], [alsoWanted, 32], [wanted, 73]]);
          expect(collector.events).toEqual(expected);
          expect(Math.max(...collector.batchSizes)).toBeLessThanOrEqual(maxBatchSize);
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );

      it(
        'close() stops delivery and resolves done',
        async () => {
          const stream = uniqueStream('note');
          const checkpoint = await store.headPosition();
          await store.append(stream, events(1), { expectedRevision: 'no_stream' });

          const first = new Collector();
          const subscription = store.subscribeToAll({ from: { after: checkpoint } }, first.handler);
          await first.until((seen) => seen.some((event) => event.streamId === stream));
          await subscription.close();
          await expect(subscription.done).resolves.toBeUndefined();
          const deliveredAtClose = first.events.length;

          await store.append(stream, events(2), { expectedRevision: 0 });
          // A second subscriber seeing the new events proves they were published; the closed one got none.
          const second = new Collector();
          openSubscriptions.push(store.subscribeToAll({ from: { after: checkpoint } }, second.handler));
          await second.until((seen) => seen.filter((event) => event.streamId === stream).length >= 3);
          expect(first.events).toHaveLength(deliveredAtClose);
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );

      it(
        'a handler that throws makes done reject with its error',
        async () => {
          const checkpoint = await store.headPosition();
          await store.append(uniqueStream('ticket'), events(1), { expectedRevision: 'no_stream' });
          const failure = new Error('projection failed');
          let calls = 0;
          const subscription = store.subscribeToAll({ from: { after: checkpoint } }, async () => {
            calls += 1;
            throw failure;
          });
          await expect(subscription.done).rejects.toBe(failure);
          await subscription.close();
          expect(calls).toBe(1);
        },
        SUBSCRIPTION_TIMEOUT_MS,
      );
    });
  });
}

/** Collects delivered batches and lets a test wait until a condition on them holds. */
class Collector {
  readonly events: RecordedEvent[] = [];
  readonly batchSizes: number[] = [];
  private waiters: { condition: (seen: RecordedEvent[]) => boolean; resolve: () => void }[] = [];

  readonly handler = async (batch: readonly RecordedEvent[]): Promise<void> => {
    this.batchSizes.push(batch.length);
    this.events.push(...batch);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.condition(this.events)) return true;
      waiter.resolve();
      return false;
    });
  };

  until(condition: (seen: RecordedEvent[]) => boolean): Promise<void> {
    if (condition(this.events)) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ condition, resolve }));
  }
}

let sequence = 0;

function events(count: number, customerId = 'contract-customer', type = 'ContractEventHappened'): NewEvent[] {
  return Array.from({ length: count }, () => {
    sequence += 1;
    return {
      eventId: randomUUID(),
      type,
      data: { sequence },
      metadata: {
        customerId,
        schemaVersion: 1,
        occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, sequence % 60)).toISOString(),
        actor: { type: 'service', id: 'contract-suite' },
        source: 'contract-suite',
        correlationId: randomUUID(),
        causationId: null,
      },
    };
  });
}

function uniqueStream(category: string): string {
  return `${category}-${randomUUID()}`;
}

async function appendError(
  store: EventStore,
  stream: string,
  batch: NewEvent[],
  expectedRevision: ExpectedRevision,
): Promise<WrongExpectedRevisionError> {
  const error: unknown = await store.append(stream, batch, { expectedRevision }).then(
    () => new Error(`append to ${stream} with expected revision ${String(expectedRevision)} succeeded`),
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  return error as WrongExpectedRevisionError;
}

async function appendFailure(store: EventStore, stream: string, batch: NewEvent[], expectedRevision: ExpectedRevision): Promise<unknown> {
  return store.append(stream, batch, { expectedRevision }).then(
    () => new Error(`append to ${stream} with expected revision ${String(expectedRevision)} succeeded`),
    (refusal: unknown) => refusal,
  );
}

async function readAllUpTo(store: EventStore, after: number, upTo: number): Promise<RecordedEvent[]> {
  const result: RecordedEvent[] = [];
  let from = after;
  for (;;) {
    const page = await store.readAll({ after: from, maxCount: 500 });
    for (const event of page) {
      if (event.position > upTo) return result;
      result.push(event);
    }
    if (page.length === 0) return result;
    from = page[page.length - 1].position;
  }
}

function expectStrictlyIncreasing(positions: number[]): void {
  const violations = positions.filter((position, index) => index > 0 && position <= positions[index - 1]);
  expect(violations).toEqual([]);
}
