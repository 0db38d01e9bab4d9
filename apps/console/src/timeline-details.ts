// What an expanded timeline row shows: the event's full text, who recorded it, order lines, refund,
// survey answers, ticket names, from the payload the timeline keeps. Unknown fields are left out,
// so an event of a later schema still shows what the console knows.
import { dateTime, money, relativeTime, sentence, words } from './display-format';
import { h, type Child } from './element';
import type { Actor, TimelineEntry } from './read-models';

/** Names the page knows: agents by key id, tickets by id. */
export interface Names {
  agent(id: string | null | undefined): string | null;
  ticket(id: string): string | null;
}

type Data = Readonly<Record<string, unknown>>;

const text = (data: Data, field: string): string | null => (typeof data[field] === 'string' && data[field] !== '' ? (data[field] as string) : null);
const num = (data: Data, field: string): number | null => (typeof data[field] === 'number' ? (data[field] as number) : null);

/** Digits of a currency's minor unit as the browser knows them (ISO 4217 via CLDR); 2 if unknown. */
export function exponentOf(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Who recorded it: the agent's (key's) name, else the agent id the source gave, else the key id. */
export function recordedBy(actor: Actor | undefined): string | null {
  if (!actor) return null;
  return actor.name || actor.id || null;
}

/** The author an agent should see: the named author field of the event (an agent id) as a name, else who recorded it. */
export function authorOf(entry: TimelineEntry, names: Names): string | null {
  const data = entry.data ?? {};
  const claimed = text(data, 'authorId') ?? text(data, 'agentId');
  if (entry.kind === 'TicketReplied' && data.author === 'customer') return 'the customer';
  return (claimed !== null ? (names.agent(claimed) ?? claimed) : null) ?? recordedBy(entry.actor);
}

/**
 * A row's one-line summary: the read model's, but with the agent a ticket was assigned to named as
 * a person (the read model knows only the key id the API records).
 */
export function rowSummary(entry: TimelineEntry, names: Names): string {
  if (entry.kind !== 'TicketAssigned') return entry.summary;
  const agentId = text(entry.data ?? {}, 'agentId');
  const name = names.agent(agentId);
  return name ? `Ticket assigned to ${name}` : entry.summary;
}

/** The text a row shows under its summary (the part the summary clips), or null. */
export function entryText(entry: TimelineEntry): string | null {
  const data = entry.data ?? {};
  switch (entry.kind) {
    case 'NoteAdded':
      return text(data, 'text');
    case 'CallLogged':
    case 'ChatCompleted':
      return text(data, 'summary');
    case 'TicketReplied':
    case 'TicketNoteAdded':
      return text(data, 'body');
    case 'TicketResolved':
      return text(data, 'resolution');
    case 'TicketReopened':
      return text(data, 'reason');
    case 'SurveyAnswered':
      return text(data, 'comment');
    case 'PurchaseRefunded':
      return text(data, 'reason');
    default:
      return null;
  }
}

function facts(rows: readonly (readonly [string, Child])[]): HTMLElement {
  const shown = rows.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return h('dl', { class: 'facts entry-facts' }, ...shown.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function orderLines(data: Data): HTMLElement | null {
  const lines = Array.isArray(data.lines) ? (data.lines as Data[]) : [];
  const currency = text(data, 'currency');
  if (lines.length === 0 || currency === null) return null;
  const exponent = exponentOf(currency);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'order-lines' },
    h('caption', {}, `Order ${text(data, 'orderId') ?? ''}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col', class: 'num' }, 'Qty'), h('th', { scope: 'col', class: 'num' }, 'Unit price'), h('th', { scope: 'col', class: 'num' }, 'Line total'))),
    h('tbody', {}, ...lines.map((line) => {
      const quantity = num(line, 'quantity') ?? 0;
      const unit = num(line, 'unitPriceMinor') ?? 0;
      return h('tr', {}, h('td', {}, `${text(line, 'name') ?? ''} (${text(line, 'sku') ?? ''})`), h('td', {}, text(line, 'category') ?? '—'), h('td', { class: 'num' }, String(quantity)),
        h('td', { class: 'num' }, money(unit, currency, exponent)), h('td', { class: 'num' }, money(unit * quantity, currency, exponent)));
    })),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 4 }, 'Total'), h('td', { class: 'num' }, money(num(data, 'totalMinor'), currency, exponent)))),
  ));
}

function ticketLink(id: string | null, names: Names): Child {
  if (id === null) return null;
  const subject = names.ticket(id);
  return h('a', { href: `#/tickets/${encodeURIComponent(id)}` }, subject ? `“${subject}” (${id})` : id);
}

/** The expanded content of a row. */
export function entryDetails(entry: TimelineEntry, names: Names, now: Date = new Date()): HTMLElement {
  const data = entry.data ?? {};
  const body = entryText(entry);
  const rows: [string, Child][] = [];
  switch (entry.kind) {
    case 'CallLogged':
      rows.push(['Direction', text(data, 'direction') && sentence(text(data, 'direction') as string)], ['Duration', entry.summary.split(', ')[1] ?? null],
        ['Outcome', [text(data, 'outcome'), text(data, 'connection'), text(data, 'resolution')].filter(Boolean).map((v) => words(v as string)).join(', ')],
        ['Agent', names.agent(text(data, 'agentId')) ?? text(data, 'agentId')]);
      break;
    case 'ChatCompleted':
      rows.push(['Channel', text(data, 'channel')], ['Messages', num(data, 'messageCount')], ['Agent', names.agent(text(data, 'agentId')) ?? text(data, 'agentId')]);
      break;
    case 'EmailSent':
    case 'EmailReceived':
      rows.push(['Subject', text(data, 'subject')], ['Campaign', text(data, 'campaignId')], ['Message', text(data, 'messageId')]);
      break;
    case 'EmailClicked':
      rows.push(['Link', text(data, 'url')], ['Message', text(data, 'messageId')]);
      break;
    case 'EmailOpened':
      rows.push(['Message', text(data, 'messageId')]);
      break;
    case 'PurchaseCompleted':
      rows.push(['Order', text(data, 'orderId')], ['Channel', text(data, 'channel')]);
      break;
    case 'PurchaseRefunded': {
      const currency = text(data, 'currency');
      rows.push(['Order', text(data, 'orderId')], ['Refund', text(data, 'refundId')], ['Amount', currency ? money(num(data, 'amountMinor'), currency, exponentOf(currency)) : null]);
      break;
    }
    case 'SurveyAnswered':
      rows.push(['Survey', text(data, 'kind') === 'nps' ? 'Net Promoter Score (0–10)' : 'Customer satisfaction (1–5)'], ['Score', num(data, 'score')], ['About ticket', ticketLink(text(data, 'ticketId'), names)]);
      break;
    case 'TicketOpened':
      rows.push(['Ticket', ticketLink(text(data, 'ticketId'), names)], ['Priority', text(data, 'priority')], ['Channel', text(data, 'channel')]);
      break;
    case 'TicketAssigned':
      rows.push(['Ticket', ticketLink(text(data, 'ticketId'), names)], ['Assigned to', names.agent(text(data, 'agentId')) ?? text(data, 'agentId')]);
      break;
    case 'TicketPriorityChanged':
      rows.push(['Ticket', ticketLink(text(data, 'ticketId'), names)], ['Priority', `${text(data, 'previousPriority') ?? '?'} → ${text(data, 'priority') ?? '?'}`]);
      break;
    case 'TicketReplied':
    case 'TicketNoteAdded':
    case 'TicketResolved':
    case 'TicketReopened':
    case 'TicketClosed':
      rows.push(['Ticket', ticketLink(text(data, 'ticketId'), names)]);
      if (entry.kind === 'TicketNoteAdded') rows.push(['Visible to', 'agents only (internal note)']);
      break;
    case 'CustomerProfileUpdated': {
      const changes = (data.changes ?? {}) as Data;
      rows.push(...Object.entries(changes).map(([field, value]): [string, Child] => [sentence(field), value === null ? '(cleared)' : String(value)]));
      break;
    }
    case 'ContactPointAdded':
      rows.push([sentence(text(data, 'kind') ?? 'contact'), text(data, 'value')], ['Label', text(data, 'label')]);
      break;
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
      rows.push(['Purpose', text(data, 'purpose') && sentence(text(data, 'purpose') as string)], ['Via', text(data, 'via')]);
      break;
    default:
      break;
  }
  const author = entry.kind === 'NoteAdded' || entry.kind === 'TicketReplied' || entry.kind === 'TicketNoteAdded' ? authorOf(entry, names) : null;
  rows.push(['Author', author], ['Recorded by', recordedBy(entry.actor)], ['When', `${dateTime(entry.occurredAt)} (${relativeTime(entry.occurredAt, now)})`], ['Source', entry.source ?? null]);
  return h('div', { class: 'entry-details-body' },
    body !== null ? h('p', { class: 'entry-full-text' }, body) : null,
    entry.kind === 'PurchaseCompleted' ? orderLines(data) : null,
    facts(rows),
  );
}
