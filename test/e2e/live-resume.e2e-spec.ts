// Live streams resumed with Last-Event-ID send exactly what the live connection sent after that id:
// the same ids, event names and data, in order, none twice, then go on live. A resume used to read
// read models instead (the timeline's catalogue events, one row per ticket at its latest position),
// so events appended by reactors (loyalty points, segment membership) and all but a ticket's
// latest change were never sent to a client that had dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';
import { openSse, type SseConnection } from '../support/sse-client';


const KEYS = { ingest: 'test-ingest-key-0123456789', support: 'test-support-key-0123456789', analyst: 'test-analyst-key-0123456789' };

interface Sent {
  readonly id: string;
  readonly event: string;
  readonly data: unknown;
}

/** The global position a command answered with (after checking it was accepted). */
async function position(answer: Promise<{ status: number; body: { position?: number } }>): Promise<number> {
  const { status, body } = await answer;
  expect([200, 201]).toContain(status);
  return body.position as number;
}

/**
 * An embedded Chronicle (with `env` added) started before the describe's tests and closed after them,
 * its clients, and `follow`: a stream opened as support (closed with the server).
 */
function liveServer(prefix: string, env: Record<string, string> = {}) {
  const open: SseConnection[] = [];
  let dataDir: string | undefined;
  const server = {
    chronicle: undefined as unknown as RunningChronicle,
    ingest: undefined as unknown as ApiClient,
    support: undefined as unknown as ApiClient,
    analyst: undefined as unknown as ApiClient,
    follow: async (path: string, lastEventId?: number): Promise<SseConnection> => {
      const stream = await openSse(`${server.chronicle.url}${path}`, { Authorization: `Bearer ${KEYS.support}`, ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }) });
      expect(stream.status).toBe(200);
      open.push(stream);
      return stream;
    },
  };
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    server.chronicle = await startChronicle(
      { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: apiKeysSetting(KEYS), SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0', ...env },
      { announce: () => undefined },
    );
    server.ingest = new ApiClient(server.chronicle.url, KEYS.ingest);
    server.support = new ApiClient(server.chronicle.url, KEYS.support);
    server.analyst = new ApiClient(server.chronicle.url, KEYS.analyst);
  });
  afterAll(async () => {
    for (const stream of open) stream.close();
    await server.chronicle?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return server;
}

describe('Live streams resumed with Last-Event-ID (embedded)', () => {
  const server = liveServer('chronicle-live-resume-');
  const { follow } = server;

  /** What a stream sent, heartbeats aside, as a client sees it. */
  const sentOn = (stream: SseConnection, event: string): Sent[] =>
    stream.messages.filter((m) => m.event === event).map((m) => ({ id: m.lastEventId, event: m.event, data: JSON.parse(m.data) as unknown }));
  const typeOf = (sent: Sent): string => (sent.data as { type: string }).type;

  /**
   * Resumes `path` after each of `points` while `live` follows along: a change made after the resume
   * (`change`) must reach both, and the resumed stream must have sent exactly what `live` sent after
   * its point up to that change.
   */
  const expectResumesLikeLive = async (path: string, event: string, live: SseConnection, points: readonly number[], change: (n: number) => Promise<number>): Promise<void> => {
    for (const [n, point] of points.entries()) {
      const resumed = await follow(path, point);
      const changed = String(await change(n));
      await resumed.next((m) => m.event === event && m.lastEventId === changed);
      await live.next((m) => m.event === event && m.lastEventId === changed);
      const expected = sentOn(live, event).filter((sent) => Number(sent.id) > point && Number(sent.id) <= Number(changed));
      expect({ point, sent: sentOn(resumed, event) }).toEqual({ point, sent: expected });
      resumed.close();
    }
  };

  beforeAll(async () => {
    expect((await server.analyst.post('/v1/segments', { segmentId: 'gb', name: 'In Britain', rule: { field: 'country', op: 'eq', value: 'GB' } })).status).toBe(201);
  });

  it('customer: sends every event of the customer it sent live, whatever stream or writer appended it (reactors too)', async () => {
    const customerId = 'c-live';
    const registered = await position(server.ingest.post('/v1/customers', { customerId, profile: { firstName: 'Lee', lastName: 'Live', country: 'FR' } }));
    // The stream answers 404 until the read models know the customer: read the 360 view at the registration's position first.
    expect((await server.support.get(`/v1/customers/${customerId}?minPosition=${registered}`)).status).toBe(200);
    const path = `/v1/customers/${customerId}/live`;
    const live = await follow(path);
    const waitFor = (type: string) => live.next((m) => m.event === 'applied' && (JSON.parse(m.data) as { type?: string }).type === type);

    await position(server.ingest.post(`/v1/customers/${customerId}/consents`, { purpose: 'profiling', granted: true, via: 'web-preferences' }));
    await waitFor('ConsentGiven');
    // Moving to Britain puts the customer in the segment (the segments reactor appends the entry).
    await position(server.ingest.patch(`/v1/customers/${customerId}`, { changes: { country: 'GB' } }));
    await waitFor('CustomerEnteredSegment');
    // A purchase earns points and a refund reverses some (the loyalty reactor appends both).
    const lines = [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor: 200_00 }];
    await position(server.ingest.post('/v1/interactions/purchases', { customerId, orderId: 'o-1', channel: 'web', currency: 'EUR', lines }));
    await waitFor('PointsEarned');
    await position(server.ingest.post('/v1/interactions/refunds', { customerId, orderId: 'o-1', refundId: 'r-1', amountMinor: 100_00, currency: 'EUR' }));
    await waitFor('PointsReversed');
    await position(server.ingest.post('/v1/interactions/notes', { customerId, noteId: 'n-1', text: 'Called about the refund', authorId: 'shop-bot' }));
    // Moving abroad takes the customer out of the segment.
    await position(server.ingest.patch(`/v1/customers/${customerId}`, { changes: { country: 'FR' } }));
    await waitFor('CustomerLeftSegment');

    const sent = sentOn(live, 'applied');
    expect(sent.map((s) => s.id)).toEqual([...new Set(sent.map((s) => s.id))].sort((a, b) => Number(a) - Number(b)));
    const types = sent.map(typeOf);
    for (const type of ['ConsentGiven', 'CustomerEnteredSegment', 'PurchaseCompleted', 'PointsEarned', 'PointsReversed', 'CustomerLeftSegment']) expect(types).toContain(type);
    const middle = Number(sent[types.indexOf('PointsEarned')].id);
    const last = Number(sent[sent.length - 1].id);

    // Before the first message live sent: whatever of the customer's the stream opened after is not in `sent`.
    const first = Number(sent[0].id) - 1;
    await expectResumesLikeLive(path, 'applied', live, [first, middle, last], (n) =>
      position(server.ingest.post('/v1/interactions/notes', { customerId, noteId: `n-after-${n}`, text: 'After the reconnect', authorId: 'shop-bot' })),
    );
  });

  it('tickets: sends one `changed` per ticket change it sent live, with the same data', async () => {
    await position(server.ingest.post('/v1/customers', { customerId: 'c-tickets', profile: { firstName: 'Tia' } }));
    const live = await follow('/v1/live/tickets');
    const before = await position(server.ingest.post('/v1/tickets', { customerId: 'c-tickets', ticketId: 't-1', subject: 'Late parcel', channel: 'email', priority: 'normal' }));
    await position(server.ingest.post('/v1/tickets', { customerId: 'c-tickets', ticketId: 't-2', subject: 'Wrong size', channel: 'email', priority: 'low' }));
    await position(server.ingest.post('/v1/tickets/t-1/replies', { author: 'customer', body: 'Any news?' }));
    const resolved = await position(server.ingest.post('/v1/tickets/t-1/resolve', { resolution: 'Parcel found' }));
    await position(server.support.post('/v1/tickets/t-2/notes', { body: 'Check the stock' }));
    await position(server.ingest.post('/v1/tickets/t-2/replies', { author: 'agent', body: 'Exchanging it' }));
    const last = await position(server.ingest.post('/v1/tickets/t-2/priority', { priority: 'high' }));
    await live.next((m) => m.event === 'changed' && m.lastEventId === String(last));

    const sent = sentOn(live, 'changed');
    expect(sent.map(typeOf)).toEqual(['TicketOpened', 'TicketOpened', 'TicketReplied', 'TicketResolved', 'TicketNoteAdded', 'TicketReplied', 'TicketPriorityChanged']);

    await expectResumesLikeLive('/v1/live/tickets', 'changed', live, [before - 1, before, resolved, last], (n) =>
      position(server.ingest.post('/v1/tickets/t-2/notes', { body: `After the reconnect ${n}` })),
    );
  });
});

// A client further behind than LIVE_REPLAY_MAX_EVENTS gets its stream's summary, then goes on live. The
// tickets' summary used to stop at its first page (500 tickets): a client that had missed changes
// to more tickets never heard of the rest.
describe('Live streams resumed further back than LIVE_REPLAY_MAX_EVENTS (embedded)', () => {
  const REPLAY_MAX = 20;
  const TICKETS = 501;
  const server = liveServer('chronicle-live-summary-', { LIVE_REPLAY_MAX_EVENTS: String(REPLAY_MAX) });
  const { follow } = server;
  /** Runs `task` for 0..count-1, `width` at a time, answers in order. */
  const inParallel = async <T>(count: number, width: number, task: (n: number) => Promise<T>): Promise<T[]> => {
    const answers: T[] = new Array(count);
    let next = 0;
    await Promise.all(Array.from({ length: width }, async () => {
      while (next < count) {
        const n = next++;
        answers[n] = await task(n);
      }
    }));
    return answers;
  };

  it('customer: one message at the 360 view\'s position for all it missed, then the events live', async () => {
    const customerId = 'c-far';
    const registered = await position(server.ingest.post('/v1/customers', { customerId, profile: { firstName: 'Fay', lastName: 'Far' } }));
    const items = Array.from({ length: REPLAY_MAX + 5 }, (_, n) => ({ type: 'note', customerId, noteId: `n-${n}`, text: `Note ${n}`, authorId: 'shop-bot' }));
    const batch = await server.ingest.post('/v1/interactions/batch', { items });
    expect({ status: batch.status, rejected: batch.body.rejected }).toEqual({ status: 200, rejected: 0 });
    const newest = Math.max(...(batch.body.results as { outcome: { position: number } }[]).map((result) => result.outcome.position));
    expect((await server.support.get(`/v1/customers/${customerId}?minPosition=${newest}`)).status).toBe(200);

    const resumed = await follow(`/v1/customers/${customerId}/live`, registered);
    const after = await position(server.ingest.post('/v1/interactions/notes', { customerId, noteId: 'n-after', text: 'After the reconnect', authorId: 'shop-bot' }));
    await resumed.next((m) => m.event === 'applied' && m.lastEventId === String(after));
    const sent = resumed.messages.filter((m) => m.event === 'applied').map((m) => ({ id: m.lastEventId, data: JSON.parse(m.data) as { type?: string } }));
    expect(sent.map((s) => s.id)).toEqual([String(newest), String(after)]);
    expect(sent[0].data).toEqual({ customerId, position: newest });
    expect(sent[1].data.type).toBe('NoteAdded');
  });

  it(`tickets: one message per ticket changed since, at its latest position, for all of them (${TICKETS} tickets, more than a page), then changes live`, async () => {
    await position(server.ingest.post('/v1/customers', { customerId: 'c-queue', profile: { firstName: 'Quinn' } }));
    const opened = await inParallel(TICKETS, 8, (n) =>
      position(server.ingest.post('/v1/tickets', { customerId: 'c-queue', ticketId: `tq-${n}`, subject: `Question ${n}`, channel: 'email', priority: 'normal' })),
    );
    const before = Math.min(...opened) - 1;
    // The first ticket changes again after all were opened: it is sent once, at the reply's position.
    const replied = await position(server.ingest.post('/v1/tickets/tq-0/replies', { author: 'agent', body: 'On it' }));
    expect((await server.support.get(`/v1/tickets/tq-0?minPosition=${replied}`)).status).toBe(200);
    const latest = new Map(opened.map((at, n) => [`tq-${n}`, at]));
    latest.set('tq-0', replied);

    const resumed = await follow('/v1/live/tickets', before);
    const after = await position(server.ingest.post('/v1/tickets/tq-1/replies', { author: 'customer', body: 'Thanks' }));
    await resumed.next((m) => m.event === 'changed' && m.lastEventId === String(after));
    const sent = resumed.messages.filter((m) => m.event === 'changed').map((m) => ({ id: Number(m.lastEventId), data: JSON.parse(m.data) as { ticketId: string; position: number; type?: string } }));
    const summary = sent.slice(0, -1);
    expect(summary.map((s) => s.id)).toEqual([...latest.values()].sort((a, b) => a - b));
    expect(new Map(summary.map((s) => [s.data.ticketId, s.data.position]))).toEqual(new Map([...latest].sort((a, b) => a[1] - b[1])));
    expect(sent.at(-1)).toEqual({ id: after, data: expect.objectContaining({ ticketId: 'tq-1', position: after, type: 'TicketReplied' }) });
  });
});
