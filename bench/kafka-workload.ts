// The Kafka bench's workload: a deterministic, realistic mix of catalogue events over a population
// of customers (registrations first, then purchases, refunds, calls, emails, chats, surveys, notes,
// consents and whole ticket lifecycles), as the appends a command side would make, with full
// metadata and one stream per consistency boundary. Same seed, same events, so runs compare.
import { deterministicEventId, type NewEvent } from '@app/event-sourcing';
import type { EventStore, ExpectedRevision } from '@app/event-store';
import type { CustomerEvent } from '@app/customers/domain/customer.events';
import type { InteractionEvent, SalesChannel } from '@app/interactions/domain/interaction.events';
import type { TicketEvent, TicketPriority } from '@app/tickets/domain/ticket.events';
import { chronicleEventSchemas } from '@app/composition';

type CatalogueDomainEvent = CustomerEvent | InteractionEvent | TicketEvent;

export interface PlannedAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
}

const BASE_TIME = Date.parse('2024-01-01T08:00:00.000Z');
const FIRST_NAMES = ['Anna', 'Ben', 'Chloé', 'Dário', 'Emre', 'Fatima', 'Greta', 'Hiro', 'Ines', 'Jonas'];
const LAST_NAMES = ['Schmidt', 'Okafor', 'Nguyen', 'García', 'Kowalski', 'Rossi', 'Berg', 'Yilmaz'];
const CATEGORIES = ['kitchen', 'garden', 'books', 'toys', 'fashion', 'electronics', 'grocery'];
const CHANNELS: readonly SalesChannel[] = ['web', 'app', 'store', 'phone', 'marketplace'];
const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'normal', 'high', 'urgent'];
const SOURCE_OF: Readonly<Record<string, string>> = {
  customer: 'crm', order: 'shop', call: 'call-centre', email: 'mail-gateway', chat: 'chat-widget',
  survey: 'survey-tool', note: 'console', ticket: 'helpdesk',
};

/** mulberry32: a tiny seeded PRNG, so the workload is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function benchCustomerId(runId: string, n: number): string {
  return `${runId}-c${n}`;
}

/** Wraps a domain event in the envelope the command side would give it. */
export function benchEnvelope(runId: string, customerId: string, streamId: string, key: string, occurredAtMs: number, event: CatalogueDomainEvent): NewEvent {
  const category = streamId.slice(0, streamId.indexOf('-'));
  return {
    ...event,
    eventId: deterministicEventId(runId, key),
    metadata: {
      customerId,
      schemaVersion: chronicleEventSchemas.currentVersion(event.type),
      occurredAt: new Date(occurredAtMs).toISOString(),
      actor: category === 'ticket' || category === 'note' ? { type: 'agent', id: `agent-${key.length % 7}` } : { type: 'service', id: SOURCE_OF[category] ?? 'bench' },
      source: SOURCE_OF[category] ?? 'bench',
      correlationId: `corr-${runId}-${key}`,
      causationId: null,
      idempotencyKey: key,
    },
  };
}

interface OpenTicket {
  readonly ticketId: string;
  readonly customerId: string;
  /** Steps still to come, in order. */
  readonly steps: TicketEvent['type'][];
  revision: number;
}

/**
 * Plans about `totalEvents` events over `customers` customers: every customer registers first, then
 * interactions follow in business-time order. A ticket's events are appended step by step, later in
 * the sequence, each with the stream's expected revision, as a helpdesk would.
 */
export function* planWorkload(runId: string, customers: number, totalEvents: number, seed = 20240101): Generator<PlannedAppend> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  // A generator, not an array: a million planned events would not fit the default heap at once.
  const orders: { orderId: string; customerId: string; totalMinor: number }[] = [];
  const openTickets: OpenTicket[] = [];
  let events = 0;
  let minute = 0;
  const at = () => BASE_TIME + minute++ * 60_000;
  const add = (streamId: string, expectedRevision: ExpectedRevision, list: NewEvent[]): PlannedAppend => {
    events += list.length;
    return { streamId, events: list, expectedRevision };
  };

  for (let c = 0; c < customers && events < totalEvents; c++) {
    const customerId = benchCustomerId(runId, c);
    const firstName = FIRST_NAMES[c % FIRST_NAMES.length];
    const lastName = LAST_NAMES[c % LAST_NAMES.length];
    yield add(`customer-${customerId}`, 'no_stream', [benchEnvelope(runId, customerId, `customer-${customerId}`, `reg-${c}`, at(), {
      type: 'CustomerRegistered',
      data: {
        customerId, externalId: `shop-${c}`,
        profile: { firstName, lastName, email: `${firstName.toLowerCase()}.${c}@example.test`, phone: `+4930${String(1_000_000 + c)}`, country: 'DE', city: 'Berlin', language: 'de' },
      },
    })]);
  }

  for (let i = 0; events < totalEvents; i++) {
    const c = Math.floor(random() * customers);
    const customerId = benchCustomerId(runId, c);
    const t = at();
    const id = `${runId}-${i}`;
    const env = (streamId: string, key: string, offsetMs: number, event: CatalogueDomainEvent) =>
      benchEnvelope(runId, customerId, streamId, key, t + offsetMs, event);
    const roll = random();
    if (roll < 0.12 && openTickets.length > 0) {
      // Advance a ticket opened earlier.
      const index = Math.floor(random() * openTickets.length);
      const ticket = openTickets[index];
      const step = ticket.steps.shift() as TicketEvent['type'];
      const stream = `ticket-${ticket.ticketId}`;
      const base = { customerId: ticket.customerId, ticketId: ticket.ticketId };
      const event: TicketEvent =
        step === 'TicketAssigned' ? { type: step, data: { ...base, agentId: `agent-${i % 40}` } }
        : step === 'TicketReplied' ? { type: step, data: { ...base, author: 'agent', authorId: `agent-${i % 40}`, body: 'Thanks for your patience, we have sent a replacement.' } }
        : step === 'TicketResolved' ? { type: step, data: { ...base, resolution: 'Replacement shipped' } }
        : { type: 'TicketClosed', data: base };
      yield add(stream, ticket.revision, [benchEnvelope(runId, ticket.customerId, stream, `${stream}-${ticket.revision + 1}`, t, event)]);
      ticket.revision += 1;
      if (ticket.steps.length === 0) openTickets.splice(index, 1);
    } else if (roll < 0.18) {
      const ticketId = `t-${id}`;
      const stream = `ticket-${ticketId}`;
      yield add(stream, 'no_stream', [env(stream, `${stream}-0`, 0, {
        type: 'TicketOpened',
        data: { customerId, ticketId, subject: 'Parcel arrived damaged', channel: 'email', priority: pick(PRIORITIES), sla: { name: 'standard', firstResponseMinutes: 240, resolutionMinutes: 2880 } },
      })]);
      openTickets.push({ ticketId, customerId, steps: ['TicketAssigned', 'TicketReplied', 'TicketResolved', 'TicketClosed'], revision: 0 });
    } else if (roll < 0.40) {
      const orderId = `o-${id}`;
      const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, l) => ({
        sku: `sku-${Math.floor(random() * 500)}`, name: `Article ${l}`, category: pick(CATEGORIES),
        quantity: 1 + Math.floor(random() * 3), unitPriceMinor: 199 + Math.floor(random() * 9_800),
      }));
      const totalMinor = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceMinor, 0);
      yield add(`order-${orderId}`, 'no_stream', [env(`order-${orderId}`, `order-${orderId}`, 0, {
        type: 'PurchaseCompleted', data: { customerId, orderId, channel: pick(CHANNELS), currency: 'EUR', lines, totalMinor },
      })]);
      orders.push({ orderId, customerId, totalMinor });
    } else if (roll < 0.43 && orders.length > 0) {
      const index = Math.floor(random() * orders.length);
      const order = orders[index];
      const stream = `order-${order.orderId}`;
      // Refunds go to the order's own stream; an order is refunded at most once (revision 0).
      orders[index] = orders[orders.length - 1];
      orders.pop();
      yield add(stream, 0, [benchEnvelope(runId, order.customerId, stream, `refund-${order.orderId}`, t, {
        type: 'PurchaseRefunded', data: { customerId: order.customerId, orderId: order.orderId, refundId: `r-${id}`, amountMinor: Math.ceil(order.totalMinor / 2), currency: 'EUR', reason: 'damaged' },
      })]);
    } else if (roll < 0.63) {
      const callId = `call-${id}`;
      yield add(`call-${callId}`, 'no_stream', [env(`call-${callId}`, `call-${callId}`, 0, {
        type: 'CallLogged',
        data: { customerId, callId, direction: random() < 0.7 ? 'inbound' : 'outbound', durationSeconds: 30 + Math.floor(random() * 900), connection: 'answered', resolution: 'resolved', agentId: `agent-${i % 40}`, summary: 'Asked about delivery times and the return policy' },
      })]);
    } else if (roll < 0.81) {
      const messageId = `m-${id}`;
      const stream = `email-${messageId}`;
      const list = [env(stream, `${stream}-sent`, 0, { type: 'EmailSent', data: { customerId, messageId, subject: 'Your weekly picks', campaignId: `camp-${i % 12}` } })];
      if (random() < 0.5) list.push(env(stream, `${stream}-opened`, 3_600_000, { type: 'EmailOpened', data: { customerId, messageId } }));
      if (list.length === 2 && random() < 0.4) list.push(env(stream, `${stream}-clicked`, 3_660_000, { type: 'EmailClicked', data: { customerId, messageId, url: 'https://shop.example.test/picks' } }));
      yield add(stream, 'no_stream', list);
    } else if (roll < 0.88) {
      const chatId = `chat-${id}`;
      yield add(`chat-${chatId}`, 'no_stream', [env(`chat-${chatId}`, `chat-${chatId}`, 0, {
        type: 'ChatCompleted', data: { customerId, chatId, channel: 'web', messageCount: 4 + Math.floor(random() * 20), durationSeconds: 120 + Math.floor(random() * 900), agentId: `agent-${i % 40}` },
      })]);
    } else if (roll < 0.93) {
      const surveyId = `s-${id}`;
      const nps = random() < 0.6;
      yield add(`survey-${surveyId}`, 'no_stream', [env(`survey-${surveyId}`, `survey-${surveyId}`, 0, {
        type: 'SurveyAnswered', data: { customerId, surveyId, kind: nps ? 'nps' : 'csat', score: nps ? Math.floor(random() * 11) : 1 + Math.floor(random() * 5) },
      })]);
    } else {
      const noteId = `n-${id}`;
      yield add(`note-${noteId}`, 'no_stream', [env(`note-${noteId}`, `note-${noteId}`, 0, {
        type: 'NoteAdded', data: { customerId, noteId, text: 'Prefers to be called in the afternoon.', authorId: `agent-${i % 40}` },
      })]);
    }
  }
}

/**
 * Appends the plan in chunks of concurrent appends, so SqliteEventStore group-commits each chunk in
 * one transaction (appends to one stream keep their order: the store flushes its queue in order).
 */
export async function appendPlan(store: EventStore, plan: Iterable<PlannedAppend>, chunk = 2_000): Promise<number> {
  let events = 0;
  let part: PlannedAppend[] = [];
  const flush = async () => {
    await Promise.all(part.map((a) => store.append(a.streamId, a.events, { expectedRevision: a.expectedRevision })));
    events += part.reduce((sum, a) => sum + a.events.length, 0);
    part = [];
  };
  for (const planned of plan) {
    part.push(planned);
    if (part.length >= chunk) await flush();
  }
  await flush();
  return events;
}
