// Customers whose every personal field holds a unique marker string, recorded through the public
// API, and scanners that look for those markers in raw bytes (files, topics, logs), so a suite can
// prove where personal data is and is not.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './api-client';
import { eventually } from './eventually';

/** Every personal value one customer gets; unique per tag, found case-insensitively. */
export interface PersonalMarkers {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  readonly birthDate: string;
  readonly city: string;
  readonly city2: string;
  readonly phone2: string;
  readonly email2: string;
  readonly emailLabel: string;
  readonly street: string;
  readonly callSummary: string;
  readonly emailSubject: string;
  readonly clickedUrl: string;
  readonly chatSummary: string;
  readonly refundReason: string;
  readonly surveyComment: string;
  readonly noteText: string;
  readonly ticketSubject: string;
  readonly replyBody: string;
  readonly resolution: string;
  readonly reopenReason: string;
  readonly adjustmentReason: string;
  readonly redemptionReason: string;
}

/**
 * `tag` is two lowercase letters; `n` a digit 1–9 that makes the phone numbers and birth date
 * unique. Markers are long and odd enough never to occur by chance in a file.
 */
export function markersFor(tag: string, n: number): PersonalMarkers {
  const m = (field: string) => `Qz${tag}${field}Mk`;
  return {
    firstName: m('First'),
    lastName: m('Last'),
    email: `qz${tag}mail@example.com`,
    phone: `+49155${n}${n}0${n}${n}01`,
    birthDate: `193${n}-0${n}-1${n}`,
    city: m('City'),
    city2: m('Town'),
    phone2: `+49155${n}${n}0${n}${n}02`,
    email2: `qz${tag}second@example.com`,
    emailLabel: m('Label'),
    street: m('Street'),
    callSummary: m('CallSummary'),
    emailSubject: m('Subject'),
    clickedUrl: `https://track.example/${m('Url')}`,
    chatSummary: m('ChatSummary'),
    refundReason: m('RefundReason'),
    surveyComment: m('Comment'),
    noteText: m('NoteText'),
    ticketSubject: m('TicketSubject'),
    replyBody: m('ReplyBody'),
    resolution: m('Resolution'),
    reopenReason: m('ReopenReason'),
    adjustmentReason: m('AdjustReason'),
    redemptionReason: m('RedeemReason'),
  };
}

export interface MarkerClients {
  readonly ingest: ApiClient;
  readonly support: ApiClient;
  readonly admin: ApiClient;
}

async function ok(response: Promise<{ status: number; body: unknown }>, what: string): Promise<number> {
  const answer = await response;
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return Number((answer.body as { position?: number }).position ?? 0);
}

/**
 * Records a customer with a marker in every personal field the API takes: profile, a profile
 * change, contact points, consents, every interaction kind with free text, a ticket's whole life,
 * a loyalty adjustment and a redemption. Returns the highest position written.
 */
export async function recordCustomerWithMarkers(clients: MarkerClients, customerId: string, mk: PersonalMarkers): Promise<number> {
  const { ingest, support, admin } = clients;
  const id = (kind: string) => `${kind}-${customerId}`;
  const at = (day: number) => `2026-0${1 + (day % 9)}-1${day % 10}T10:00:00Z`;
  const positions: number[] = [];
  const put = async (response: Promise<{ status: number; body: unknown }>, what: string) => positions.push(await ok(response, what));
  await put(ingest.post('/v1/customers', {
    customerId, externalId: id('shop'), occurredAt: at(0),
    profile: { firstName: mk.firstName, lastName: mk.lastName, email: mk.email, phone: mk.phone, birthDate: mk.birthDate, country: 'DE', city: mk.city, gender: 'female' },
  }), 'register');
  await put(ingest.patch(`/v1/customers/${customerId}`, { changes: { city: mk.city2, phone: mk.phone2 }, occurredAt: at(1) }), 'profile');
  await put(ingest.post(`/v1/customers/${customerId}/contact-points`, { kind: 'email', value: mk.email2, label: mk.emailLabel, occurredAt: at(1) }), 'contact email');
  await put(ingest.post(`/v1/customers/${customerId}/contact-points`, { kind: 'address', value: mk.street, occurredAt: at(1) }), 'contact address');
  for (const purpose of ['profiling', 'marketing_email']) {
    await put(ingest.post(`/v1/customers/${customerId}/consents`, { purpose, granted: true, via: 'web-preferences', occurredAt: at(1) }), `consent ${purpose}`);
  }
  const c = { customerId };
  await put(support.post('/v1/interactions/calls', { ...c, callId: id('call'), direction: 'inbound', durationSeconds: 90, outcome: 'resolved', summary: mk.callSummary, occurredAt: at(2) }), 'call');
  await put(ingest.post('/v1/interactions/emails/sent', { ...c, messageId: id('msg'), subject: mk.emailSubject, occurredAt: at(2) }), 'email');
  await put(ingest.post('/v1/interactions/emails/clicked', { ...c, messageId: id('msg'), url: mk.clickedUrl, occurredAt: at(3) }), 'click');
  await put(support.post('/v1/interactions/chats', { ...c, chatId: id('chat'), channel: 'web', messageCount: 4, durationSeconds: 200, summary: mk.chatSummary, occurredAt: at(3) }), 'chat');
  const lines = [{ sku: 'SCARF', name: 'Merino scarf', category: 'accessories', quantity: 2, unitPriceMinor: 2995 }];
  await put(ingest.post('/v1/interactions/purchases', { ...c, orderId: id('order'), channel: 'web', currency: 'EUR', lines, occurredAt: at(4) }), 'purchase');
  await put(support.post('/v1/interactions/refunds', { ...c, orderId: id('order'), refundId: id('refund'), amountMinor: 995, currency: 'EUR', reason: mk.refundReason, occurredAt: at(5) }), 'refund');
  await put(ingest.post('/v1/interactions/surveys', { ...c, surveyId: id('survey'), kind: 'nps', score: 9, comment: mk.surveyComment, occurredAt: at(5) }), 'survey');
  await put(support.post('/v1/interactions/notes', { ...c, noteId: id('note'), text: mk.noteText, authorId: 'agent-7', occurredAt: at(5) }), 'note');
  const ticket = id('ticket');
  await put(support.post('/v1/tickets', { ...c, ticketId: ticket, subject: mk.ticketSubject, channel: 'email', priority: 'high', occurredAt: at(6) }), 'ticket');
  await put(support.post(`/v1/tickets/${ticket}/replies`, { author: 'agent', authorId: 'agent-7', body: mk.replyBody, occurredAt: at(6) }), 'reply');
  await put(support.post(`/v1/tickets/${ticket}/resolve`, { resolution: mk.resolution, occurredAt: at(6) }), 'resolve');
  await put(support.post(`/v1/tickets/${ticket}/reopen`, { reason: mk.reopenReason, occurredAt: at(7) }), 'reopen');
  await put(admin.post(`/v1/customers/${customerId}/loyalty/adjustments`, { adjustmentId: id('adjust'), points: 100, reason: mk.adjustmentReason }), 'adjustment');
  // The purchase earns points through the loyalty reactor; redeem once they are there.
  await eventually(async () => {
    const account = await support.get(`/v1/customers/${customerId}/loyalty`);
    if (!(account.status === 200 && account.body.balance > 100)) throw new Error(`loyalty of ${customerId}: ${JSON.stringify(account.body)}`);
  }, 60_000);
  await put(support.post(`/v1/customers/${customerId}/loyalty/redemptions`, { redemptionId: id('redeem'), points: 10, reason: mk.redemptionReason }), 'redemption');
  return Math.max(...positions);
}

/** Every regular file under a folder (recursively). */
export function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Which markers occur in which of these texts or byte buffers, case-insensitively: `["<where>: <field>"]`. */
export function markersFound(markers: PersonalMarkers, sources: readonly { readonly where: string; readonly bytes: Buffer | string }[]): string[] {
  const found: string[] = [];
  for (const { where, bytes } of sources) {
    const haystack = (typeof bytes === 'string' ? bytes : bytes.toString('latin1')).toLowerCase();
    for (const [field, marker] of Object.entries(markers)) {
      if (haystack.includes(String(marker).toLowerCase())) found.push(`${where}: ${field}`);
    }
  }
  return found;
}

/** The files as raw bytes, for markersFound. */
export function rawFiles(paths: readonly string[]): { where: string; bytes: Buffer }[] {
  return paths.map((path) => ({ where: path, bytes: readFileSync(path) }));
}
