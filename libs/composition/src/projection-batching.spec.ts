// The projector runner applies a whole batch against an in-memory view and writes each touched
// document once; the embedded projector, the Kafka projector and a rebuild cut the same log into
// batches of any size, and a crash redelivers part of one. Whatever the cut, every read model must
// end up exactly as if the events had been applied one at a time. Checked over generated logs
// (interleavings of several customers' histories, forgets included) on real SQLite read stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DomainEvent, RecordedEvent } from '@app/event-sourcing';
import { RecordedEventFactory } from '@app/customer-view/projections/testing';
import { SqliteReadStore } from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import { chronicleProjections } from './read-models';
import { ERASURE_EVENT_TYPE } from './personal-data';
import { compareReadModels } from './cli/compare-read-models';

const SLA = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 1440 };
const CUSTOMERS = ['A', 'B', 'C'];

/** One customer's history in stream order, as [stream, business time, event]. */
function historyOf(customer: string, day: number): [string, string, DomainEvent][] {
  const d = { customerId: customer };
  const at = (hour: number) => `2026-01-${String(day + Math.floor(hour / 24)).padStart(2, '0')}T${String(hour % 24).padStart(2, '0')}:00:00.000Z`;
  return [
    [`customer-${customer}`, at(0), {
      type: 'CustomerRegistered',
      data: { ...d, externalId: `ext-${customer}`, profile: { firstName: `F${customer}`, lastName: `L${customer}`, email: `${customer}@example.com`, country: 'DE', city: 'Berlin' } },
    }],
    [`customer-${customer}`, at(1), { type: 'CustomerProfileUpdated', data: { ...d, changes: { city: 'Hamburg', phone: '+4930123456' } } }],
    [`customer-${customer}`, at(2), { type: 'ContactPointAdded', data: { ...d, kind: 'email', value: `${customer}2@example.com` } }],
    [`customer-${customer}`, at(3), { type: 'ConsentGiven', data: { ...d, purpose: 'profiling', via: 'web' } }],
    [`call-${customer}`, at(4), { type: 'CallLogged', data: { ...d, callId: customer, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved', summary: 'call' } }],
    [`email-${customer}`, at(5), { type: 'EmailSent', data: { ...d, messageId: customer, subject: 'Hello' } }],
    [`email-${customer}`, at(6), { type: 'EmailOpened', data: { ...d, messageId: customer } }],
    [`email-${customer}`, at(7), { type: 'EmailClicked', data: { ...d, messageId: customer, url: 'https://x.example/a' } }],
    [`order-${customer}1`, at(8), { type: 'PurchaseCompleted', data: { ...d, orderId: `${customer}1`, channel: 'web', currency: 'EUR', totalMinor: 5000, lines: [{ sku: 'S', name: 'Scarf', category: 'acc', quantity: 2, unitPriceMinor: 2500 }] } }],
    [`order-${customer}1`, at(9), { type: 'PurchaseRefunded', data: { ...d, orderId: `${customer}1`, refundId: 'r1', amountMinor: 1000, currency: 'EUR' } }],
    [`order-${customer}2`, at(30), { type: 'PurchaseCompleted', data: { ...d, orderId: `${customer}2`, channel: 'app', currency: 'EUR', totalMinor: 700, lines: [{ sku: 'T', name: 'Tie', category: 'acc', quantity: 1, unitPriceMinor: 700 }] } }],
    [`survey-${customer}`, at(10), { type: 'SurveyAnswered', data: { ...d, surveyId: customer, kind: 'nps', score: 9, comment: 'fine' } }],
    [`note-${customer}`, at(11), { type: 'NoteAdded', data: { ...d, noteId: customer, text: 'note', authorId: 'agent-1' } }],
    [`chat-${customer}`, at(12), { type: 'ChatCompleted', data: { ...d, chatId: customer, channel: 'web', messageCount: 3, durationSeconds: 90 } }],
    [`ticket-${customer}`, at(13), { type: 'TicketOpened', data: { ...d, ticketId: customer, subject: 'Broken', channel: 'email', priority: 'high', sla: SLA } }],
    // The customer writes first: no first response (a rebuild counted it as one where the opening was in the batch).
    [`ticket-${customer}`, at(13), { type: 'TicketReplied', data: { ...d, ticketId: customer, author: 'customer', body: 'Any news?' } }],
    [`ticket-${customer}`, at(14), { type: 'TicketReplied', data: { ...d, ticketId: customer, author: 'agent', authorId: 'agent-1', body: 'On it' } }],
    [`ticket-${customer}`, at(15), { type: 'TicketResolved', data: { ...d, ticketId: customer, resolution: 'fixed' } }],
    [`ticket-${customer}`, at(16), { type: 'TicketClosed', data: { ...d, ticketId: customer } }],
    [`loyalty-${customer}`, at(8), { type: 'PointsEarned', data: {
      ...d, orderId: `${customer}1`, lotId: `order:${customer}1`, points: 50, basis: { amountMinor: 5000, currency: 'EUR', categories: { acc: 5000 }, tier: 'bronze', tierMultiplier: 1 },
      earnedAt: at(8), expiresAt: '2028-01-03T10:00:00.000Z', settledDeficit: 0,
    } }],
    [`loyalty-${customer}`, at(20), { type: 'PointsRedeemed', data: {
      ...d, redemptionId: 'red-1', points: 10, reason: 'voucher', consumed: [{ lotId: `order:${customer}1`, points: 10 }], redeemedAt: at(20),
    } }],
  ];
}

/**
 * A log: the customers' histories interleaved as `picks` says (each pick takes the next event of one
 * customer, so every stream keeps its order), and a forget at the end of each history in `forgets`.
 */
function logOf(picks: readonly number[], forgets: readonly boolean[]): RecordedEvent[] {
  const factory = new RecordedEventFactory(3);
  const queues = CUSTOMERS.map((customer, i) => {
    const history: [string, string, DomainEvent][] = historyOf(customer, 1 + i);
    if (forgets[i]) history.push([`customer-${customer}`, '2026-02-01T00:00:00.000Z', { type: ERASURE_EVENT_TYPE, data: { customerId: customer, reason: 'erasure request', dataKeyId: null } }]);
    return history;
  });
  const log: RecordedEvent[] = [];
  const take = (q: number) => {
    const next = queues[q]?.shift();
    if (next) log.push(factory.record(next[0], next[2], { at: next[1], customerId: CUSTOMERS[q] }));
  };
  for (const pick of picks) take(pick % CUSTOMERS.length);
  for (let q = 0; q < queues.length; q++) while ((queues[q]?.length ?? 0) > 0) take(q);
  return log;
}

/** Cuts the log into consecutive batches of the given sizes (the last takes the rest). */
function cut(log: readonly RecordedEvent[], sizes: readonly number[]): RecordedEvent[][] {
  const batches: RecordedEvent[][] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= log.length) break;
    batches.push(log.slice(at, at + size));
    at += size;
  }
  if (at < log.length) batches.push(log.slice(at));
  return batches;
}

describe('Projecting a batch at once equals projecting its events one at a time', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-batching-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('gives the same read models for any interleaving, any cut into batches and any redelivered stretch', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(CUSTOMERS.length - 1), { maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: CUSTOMERS.length, maxLength: CUSTOMERS.length }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30 })), { nil: undefined }),
        async (picks, forgets, sizes, redelivery) => {
          run++;
          const log = logOf(picks, forgets);
          const single = new SqliteReadStore(join(directory, `single-${run}.sqlite`));
          const batched = new SqliteReadStore(join(directory, `batched-${run}.sqlite`));
          try {
            const oneByOne = new ProjectorRunner(single, chronicleProjections('EUR'), { name: 'p' });
            await oneByOne.start();
            for (const event of log) await oneByOne.applyBatch([event]);

            const inBatches = new ProjectorRunner(batched, chronicleProjections('EUR'), { name: 'p' });
            await inBatches.start();
            const batches = cut(log, sizes);
            for (const [b, batch] of batches.entries()) {
              await inBatches.applyBatch(batch);
              // A crash after this batch's write: the transport delivers a stretch up to it again.
              if (redelivery && redelivery[0] % batches.length === b) {
                const end = log.indexOf(batch[batch.length - 1] as RecordedEvent) + 1;
                await inBatches.applyBatch(log.slice(Math.max(0, end - redelivery[1]), end));
              }
            }

            const comparison = await compareReadModels(single, batched);
            expect(comparison.differences).toEqual([]);
            expect(comparison.compared).toBeGreaterThan(log.length);
          } finally {
            await single.close();
            await batched.close();
          }
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
