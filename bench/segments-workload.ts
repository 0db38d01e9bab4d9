// The segments benchmark's data: a realistic event history per customer (registration with a
// profile, consents, purchases over two years, calls, emails, surveys, tickets) written straight
// to the event store in large group commits, and 20 varied segment rules. Deterministic per seed.
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { randomSource } from '@app/composition';

const COUNTRIES: readonly [string, string][] = [['GB', 'London'], ['DE', 'Berlin'], ['FR', 'Paris'], ['NL', 'Amsterdam'], ['ES', 'Madrid'], ['IT', 'Milan'], ['SE', 'Stockholm'], ['PL', 'Warsaw'], ['IE', 'Dublin'], ['AT', 'Vienna']];
const PRODUCTS = [
  { sku: 'SCARF-M', name: 'Merino scarf', category: 'accessories', price: 2995 },
  { sku: 'JKT-R', name: 'Rain jacket', category: 'outerwear', price: 12900 },
  { sku: 'BOOT-H', name: 'Hiking boots', category: 'footwear', price: 15900 },
  { sku: 'TEE-O', name: 'Organic tee', category: 'basics', price: 1999 },
  { sku: 'SWTR-K', name: 'Knit sweater', category: 'knitwear', price: 8900 },
] as const;
const GENDERS = ['female', 'male', 'diverse', 'unspecified'] as const;
const DAY = 86_400_000;

export const benchCustomerId = (i: number): string => `c-${String(i).padStart(6, '0')}`;

interface StreamAppend {
  readonly streamId: string;
  readonly events: NewEvent[];
}

/** Every stream of one customer; events carry business times within two years before `now`. */
export function customerHistory(index: number, now: Date, random: () => number): StreamAppend[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const customerId = benchCustomerId(index);
  const start = now.getTime() - 730 * DAY;
  const at = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString();
  const event = (type: string, data: Record<string, unknown>, time: number): NewEvent => ({
    eventId: randomUUID(),
    type,
    data: { customerId, ...data },
    metadata: { customerId, schemaVersion: 1, occurredAt: at(time), actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: `bench-${customerId}`, causationId: null },
  });
  const [country, city] = pick(COUNTRIES);
  const registeredAt = start - random() * 60 * DAY;
  const profileEvents = [
    event('CustomerRegistered', {
      externalId: `shop-${index}`,
      profile: {
        firstName: `First${index}`, lastName: `Last${index}`, email: `c${index}@example.com`, gender: pick(GENDERS), country, city,
        birthDate: `${1950 + Math.floor(random() * 55)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      },
    }, registeredAt),
  ];
  if (random() < 0.6) profileEvents.push(event('ConsentGiven', { purpose: 'marketing_email', via: 'web' }, registeredAt + 1000));
  const streams: StreamAppend[] = [{ streamId: `customer-${customerId}`, events: profileEvents }];
  const when = () => start + random() * 730 * DAY;

  // Purchases: skewed, so RFM and frequency rules find a spread (0–4, mean ~1.5).
  const orders = Math.floor(random() * random() * 5.5);
  for (let o = 0; o < orders; o++) {
    const product = pick(PRODUCTS);
    const quantity = 1 + Math.floor(random() * 2);
    streams.push({ streamId: `order-o-${customerId}-${o}`, events: [event('PurchaseCompleted', {
      orderId: `o-${customerId}-${o}`, channel: pick(['web', 'app', 'store'] as const), currency: 'EUR',
      lines: [{ sku: product.sku, name: product.name, category: product.category, quantity, unitPriceMinor: product.price }], totalMinor: quantity * product.price,
    }, when())] });
  }
  if (random() < 0.4) {
    const callId = `k-${customerId}`;
    streams.push({ streamId: `call-${callId}`, events: [event('CallLogged', { callId, direction: 'inbound', durationSeconds: 60 + Math.floor(random() * 600), outcome: 'resolved', summary: 'Asked about delivery' }, when())] });
  }
  if (random() < 0.35) {
    const messageId = `m-${customerId}`;
    const sent = when();
    const emails = [event('EmailSent', { messageId, subject: 'Autumn offers', campaignId: 'autumn' }, sent)];
    if (random() < 0.6) emails.push(event('EmailOpened', { messageId }, sent + 3_600_000));
    streams.push({ streamId: `email-${messageId}`, events: emails });
  }
  if (random() < 0.2) {
    const surveyId = `s-${customerId}`;
    streams.push({ streamId: `survey-${surveyId}`, events: [event('SurveyAnswered', { surveyId, kind: 'nps', score: Math.floor(random() * 11) }, when())] });
  }
  if (random() < 0.12) {
    const ticketId = `t-${customerId}`;
    const opened = when();
    const ticket = [event('TicketOpened', { ticketId, subject: 'Where is my order?', channel: 'email', priority: 'normal', sla: { name: 'standard', firstResponseMinutes: 240, resolutionMinutes: 2880 } }, opened)];
    if (random() < 0.6) ticket.push(event('TicketResolved', { ticketId, resolution: 'Parcel found' }, opened + 6 * 3_600_000));
    streams.push({ streamId: `ticket-${ticketId}`, events: ticket });
  }
  return streams;
}

/**
 * Appends every customer's history: all appends of a slice of customers are issued in one tick, so
 * the store commits them as one group (one transaction). Returns the number of events.
 */
export async function appendHistories(store: EventStore, customers: number, now: Date, seed: number, customersPerCommit = 2000): Promise<number> {
  const random = randomSource(seed);
  let events = 0;
  for (let from = 1; from <= customers; from += customersPerCommit) {
    const appends: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(from + customersPerCommit, customers + 1); i++) {
      for (const stream of customerHistory(i, now, random)) {
        events += stream.events.length;
        appends.push(store.append(stream.streamId, stream.events, { expectedRevision: 'no_stream' }));
      }
    }
    await Promise.all(appends);
  }
  return events;
}

/** Twenty rules across the language: profile fields, windows, RFM, loyalty, NPS, consent, nesting. */
export const BENCH_SEGMENTS: readonly { segmentId: string; rule: unknown }[] = [
  { segmentId: 'west', rule: { field: 'country', op: 'in', value: ['GB', 'FR', 'IE', 'NL'] } },
  { segmentId: 'dach', rule: { field: 'country', op: 'in', value: ['DE', 'AT'] } },
  { segmentId: 'thirties', rule: { field: 'age', op: 'between', value: [30, 39] } },
  { segmentId: 'seniors', rule: { field: 'age', op: 'gte', value: 65 } },
  { segmentId: 'women-london', rule: { all: [{ field: 'gender', op: 'eq', value: 'female' }, { field: 'city', op: 'eq', value: 'london' }] } },
  { segmentId: 'buyers-30d', rule: { purchases: { count: { gte: 1 }, withinDays: 30 } } },
  { segmentId: 'frequent-183d', rule: { purchases: { count: { gte: 3 }, withinDays: 183 } } },
  { segmentId: 'big-spenders-365d', rule: { purchases: { sumMinor: { gte: 30000 }, currency: 'EUR', withinDays: 365 } } },
  { segmentId: 'footwear-365d', rule: { purchases: { count: { gte: 1 }, withinDays: 365, category: 'footwear' } } },
  { segmentId: 'lapsed', rule: { lastPurchase: { before: { daysAgo: 365 } } } },
  { segmentId: 'callers-90d', rule: { calls: { count: { gte: 1 }, withinDays: 90 } } },
  { segmentId: 'open-tickets', rule: { ticketsOpen: { gte: 1 } } },
  { segmentId: 'email-readers', rule: { emailsOpened: { gte: 1 } } },
  { segmentId: 'champions', rule: { rfm: { r: { gte: 4 }, f: { gte: 4 }, m: { gte: 4 } } } },
  { segmentId: 'at-risk', rule: { rfm: { r: { lte: 2 }, m: { gte: 3 } } } },
  { segmentId: 'promoters', rule: { npsClass: { in: ['promoter'] } } },
  { segmentId: 'detractors', rule: { npsClass: { in: ['detractor'] } } },
  { segmentId: 'mailable', rule: { consent: { purpose: 'marketing_email', granted: true } } },
  { segmentId: 'tiered', rule: { not: { loyaltyTier: { in: ['bronze'] } } } },
  { segmentId: 'west-winback', rule: { all: [{ field: 'country', op: 'in', value: ['GB', 'FR', 'IE', 'NL'] }, { any: [{ lastPurchase: { before: { daysAgo: 180 } } }, { npsClass: { in: ['detractor', 'passive'] } }] }, { consent: { purpose: 'marketing_email', granted: true } }] } },
];
