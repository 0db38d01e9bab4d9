// Realistic demo data for the seed command: customers with calls, emails, chats, purchases,
// refunds, surveys, notes and tickets spread over two years. Deterministic for a given seed.

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Dennis', 'Frances', 'Ken', 'Radia', 'Tim', 'Hedy', 'Donald', 'Sophie', 'John', 'Joan', 'Niklaus', 'Mary', 'Yukihiro', 'Anita', 'Guido', 'Shafi', 'Bjarne', 'Lynn', 'James', 'Adele', 'Leslie', 'Carol'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Dijkstra', 'Liskov', 'Ritchie', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Lamarr', 'Knuth', 'Wilson', 'McCarthy', 'Clarke', 'Wirth', 'Keller', 'Matsumoto', 'Borg', 'van Rossum', 'Goldwasser', 'Stroustrup', 'Conway', 'Gosling', 'Goldberg', 'Lamport', 'Shaw'];
const CITIES: readonly [string, string][] = [['GB', 'London'], ['DE', 'Berlin'], ['FR', 'Paris'], ['NL', 'Amsterdam'], ['ES', 'Madrid'], ['IT', 'Milan'], ['SE', 'Stockholm'], ['PL', 'Warsaw'], ['IE', 'Dublin'], ['AT', 'Vienna']];
const PRODUCTS: readonly { sku: string; name: string; category: string; price: number }[] = [
  { sku: 'SCARF-M', name: 'Merino scarf', category: 'accessories', price: 2995 },
  { sku: 'HAT-W', name: 'Wool hat', category: 'accessories', price: 1500 },
  { sku: 'JKT-R', name: 'Rain jacket', category: 'outerwear', price: 12900 },
  { sku: 'BOOT-H', name: 'Hiking boots', category: 'footwear', price: 15900 },
  { sku: 'SOCK-3', name: 'Socks, 3 pairs', category: 'basics', price: 999 },
  { sku: 'TEE-O', name: 'Organic tee', category: 'basics', price: 1999 },
  { sku: 'BAG-C', name: 'Canvas bag', category: 'accessories', price: 3500 },
  { sku: 'SWTR-K', name: 'Knit sweater', category: 'knitwear', price: 8900 },
];
const SUBJECTS = ['Parcel arrived damaged', 'Wrong size delivered', 'Where is my order?', 'Refund not received', 'Cannot log in', 'Change delivery address'];

/** Mulberry32: small, fast, deterministic. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoCustomer {
  readonly register: Record<string, unknown>;
  /** Batch items for POST /v1/interactions/batch, in time order. */
  readonly interactions: Record<string, unknown>[];
  /** Ticket commands: [path, body] in order. */
  readonly tickets: [string, Record<string, unknown>][];
  /** Consent decisions for POST /v1/customers/:id/consents, in order. */
  readonly consents: Record<string, unknown>[];
}

/**
 * Most demo customers allow profiling (so RFM, CLV and churn show), two in three take the email
 * newsletter and some of those change their mind. From the index, not the random source, so the
 * rest of the demo data stays what it was.
 */
function demoConsents(index: number, at: string): Record<string, unknown>[] {
  const decision = (purpose: string, granted: boolean) => ({ purpose, granted, via: 'web-preferences', occurredAt: at });
  const consents = [];
  if (index % 10 !== 0) consents.push(decision('profiling', true));
  if (index % 3 !== 0) consents.push(decision('marketing_email', true));
  if (index % 3 !== 0 && index % 7 === 0) consents.push(decision('marketing_email', false));
  return consents;
}

export function demoCustomer(index: number, random: () => number, now: Date): DemoCustomer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const first = pick(FIRST);
  const last = pick(LAST);
  const [country, city] = pick(CITIES);
  const customerId = `demo-${String(index).padStart(5, '0')}`;
  const span = 730 * 86_400_000;
  const start = now.getTime() - span;
  const times = Array.from({ length: 6 + Math.floor(random() * 18) }, () => start + random() * span).sort((a, b) => a - b);
  const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString();
  const register = {
    customerId,
    externalId: `shop-${100000 + index}`,
    occurredAt: iso(start - 86_400_000 * (1 + random() * 30)),
    profile: {
      firstName: first,
      lastName: last,
      email: `${first}.${last}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
      phone: `+44${7000000000 + index * 7919}`,
      birthDate: `${1950 + Math.floor(random() * 55)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      gender: pick(['female', 'male', 'diverse', 'unspecified'] as const),
      country,
      city,
      language: 'en',
    },
  };
  const interactions: Record<string, unknown>[] = [];
  const tickets: [string, Record<string, unknown>][] = [];
  const orders: { orderId: string; total: number }[] = [];
  times.forEach((t, n) => {
    const id = `${customerId}-${n}`;
    const roll = random();
    if (roll < 0.3) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const p = pick(PRODUCTS);
        return { sku: p.sku, name: p.name, category: p.category, quantity: 1 + Math.floor(random() * 2), unitPriceMinor: p.price };
      });
      const total = lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
      orders.push({ orderId: `o-${id}`, total });
      interactions.push({ type: 'purchase', customerId, orderId: `o-${id}`, channel: pick(['web', 'app', 'store'] as const), currency: 'EUR', lines, occurredAt: iso(t) });
    } else if (roll < 0.5) {
      interactions.push({ type: 'email-sent', customerId, messageId: `m-${id}`, subject: pick(['Your order has shipped', 'Winter sale', 'New arrivals', 'We miss you']), campaignId: 'winter', occurredAt: iso(t) });
      if (random() < 0.6) interactions.push({ type: 'email-opened', customerId, messageId: `m-${id}`, occurredAt: iso(t + 3_600_000) });
      if (random() < 0.2) interactions.push({ type: 'email-clicked', customerId, messageId: `m-${id}`, url: 'https://shop.example.com/sale', occurredAt: iso(t + 3_700_000) });
    } else if (roll < 0.65) {
      interactions.push({ type: 'call', customerId, callId: `call-${id}`, direction: pick(['inbound', 'outbound'] as const), durationSeconds: 30 + Math.floor(random() * 900), ...pick([{ connection: 'answered', resolution: 'resolved' }, { connection: 'answered', resolution: 'follow_up' }, { connection: 'no_answer' }] as const), agentId: `agent-${1 + Math.floor(random() * 12)}`, occurredAt: iso(t) });
    } else if (roll < 0.72) {
      interactions.push({ type: 'chat', customerId, chatId: `chat-${id}`, channel: pick(['web', 'app', 'whatsapp'] as const), messageCount: 2 + Math.floor(random() * 30), durationSeconds: 60 + Math.floor(random() * 1200), occurredAt: iso(t) });
    } else if (roll < 0.82) {
      const nps = random() < 0.6;
      interactions.push({ type: 'survey', customerId, surveyId: `s-${id}`, kind: nps ? 'nps' : 'csat', score: nps ? Math.floor(random() * 11) : 1 + Math.floor(random() * 5), occurredAt: iso(t) });
    } else if (roll < 0.88) {
      interactions.push({ type: 'note', customerId, noteId: `n-${id}`, text: pick(['Prefers email contact', 'VIP: handle with care', 'Asked about loyalty programme', 'Moved house recently']), authorId: `agent-${1 + Math.floor(random() * 12)}`, occurredAt: iso(t) });
    } else if (roll < 0.93 && orders.length > 0) {
      const order = pick(orders);
      interactions.push({ type: 'refund', customerId, orderId: order.orderId, refundId: `r-${id}`, amountMinor: Math.max(1, Math.floor(order.total * (random() < 0.5 ? 1 : 0.3))), currency: 'EUR', reason: 'returned', occurredAt: iso(t) });
      order.total = 0;
    } else {
      const ticketId = `t-${id}`;
      const priority = pick(['low', 'normal', 'high', 'urgent'] as const);
      tickets.push(['/v1/tickets', { customerId, ticketId, subject: pick(SUBJECTS), channel: pick(['email', 'phone', 'chat', 'web'] as const), priority, occurredAt: iso(t) }]);
      const recent = now.getTime() - t < 5 * 86_400_000;
      // A ticket's events follow each other in time (the API refuses one dated before its predecessor).
      let last = t;
      if (random() < 0.8) {
        last = t + random() * 600 * 60_000;
        tickets.push([`/v1/tickets/${ticketId}/replies`, { author: 'agent', authorId: `agent-${1 + Math.floor(random() * 12)}`, body: 'Thanks for reaching out, we are on it.', occurredAt: iso(last) }]);
      }
      if (!recent || random() < 0.3) {
        tickets.push([`/v1/tickets/${ticketId}/resolve`, { resolution: 'Resolved with the customer', occurredAt: iso(Math.max(last, t + (1 + random() * 96) * 3_600_000)) }]);
        if (random() < 0.7) tickets.push([`/v1/tickets/${ticketId}/close`, { occurredAt: iso(t + 100 * 3_600_000) }]);
      }
    }
  });
  // Refunds of orders already fully refunded would be refused: drop those whose order total went to 0 twice.
  const refunded = new Set<string>();
  const valid = interactions.filter((item) => {
    if (Date.parse(item.occurredAt as string) > now.getTime()) return false;
    if (item.type !== 'refund') return true;
    if (refunded.has(item.orderId as string)) return false;
    refunded.add(item.orderId as string);
    return true;
  });
  return {
    register,
    interactions: valid,
    tickets: tickets.filter(([, body]) => Date.parse(body.occurredAt as string) <= now.getTime()),
    consents: demoConsents(index, register.occurredAt),
  };
}
