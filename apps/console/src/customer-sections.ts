// The read-only parts of the customer page, each drawn from the answers it depends on.
import { h, type Child } from './element';
import { counted, countdown, day, money, percent, relativeTime, score, sentence } from './display-format';
import type { Customer360, CurrencyPurchases, CustomerAnalytics, CustomerSegments, LoyaltyAccount, SlaState, TicketSummary } from './read-models';

const NOT_AVAILABLE = 'not available';

export function facts(rows: readonly (readonly [string, Child])[]): HTMLDListElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)]));
}

export function section(id: string, title: string, ...content: readonly Child[]): HTMLElement {
  return h('section', { class: 'panel', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...content);
}

function unavailable(what: string): HTMLElement {
  return h('p', { class: 'muted not-available' }, `${what}: ${NOT_AVAILABLE}`);
}

export function profileFacts(view: Customer360): HTMLElement {
  const p = view.profile;
  return facts([
    ['Email', p.email],
    ['Phone', p.phone],
    ['City', p.city],
    ['Country', p.country],
    ['Born', p.birthDate ? day(p.birthDate) : null],
    ['Language', p.language],
    ['External id', view.externalId],
    ['Customer since', day(view.registeredAt)],
  ]);
}

export function contactPointList(view: Customer360): HTMLElement {
  return view.contactPoints.length > 0
    ? h('ul', { class: 'contact-points', 'aria-label': 'Other contact points' }, ...view.contactPoints.map((c) => h('li', {}, `${c.kind}: ${c.value}${c.label ? ` (${c.label})` : ''}`)))
    : h('p', { class: 'muted' }, 'No other contact point.');
}

export function consentList(view: Customer360): HTMLElement {
  return Object.keys(view.consents).length === 0
    ? h('p', { class: 'muted' }, 'No consent recorded.')
    : h('ul', { class: 'consents' }, ...Object.entries(view.consents).map(([purpose, consent]) =>
        h('li', { class: consent.granted ? 'granted' : 'withdrawn', 'data-purpose': purpose }, h('strong', {}, sentence(purpose)), `: ${consent.granted ? 'given' : 'withdrawn'} ${day(consent.at)} via ${consent.via}`)));
}

export function loyaltySection(loyalty: LoyaltyAccount | null, view: Customer360): HTMLElement {
  const balance = loyalty?.balance ?? view.loyalty?.balance;
  if (balance === undefined) return section('loyalty', 'Loyalty', unavailable('Loyalty'));
  const tier = loyalty ? loyalty.tier : (view.loyalty?.tier ?? null);
  return section('loyalty', 'Loyalty',
    facts([
      ['Balance', counted(balance, 'point')],
      ['Tier', tier ?? 'none'],
      ['Next expiry', loyalty?.nextExpiry ? `${counted(loyalty.nextExpiry.points, 'point')} on ${day(loyalty.nextExpiry.at)}` : null],
    ]),
  );
}

/** Segments by name; an id only where the segment has no name (archived or unknown to this reader). */
export function segmentsSection(segments: CustomerSegments | null): HTMLElement {
  if (!segments) return section('segments', 'Segments', unavailable('Segments'));
  return section('segments', 'Segments', segments.segments.length === 0
    ? h('p', { class: 'muted' }, 'In no segment.')
    : h('ul', { class: 'chips' }, ...segments.segments.map((segment) => h('li', { 'data-segment-id': segment.segmentId }, segment.name ?? segment.segmentId))));
}

/** One amount per currency, each with its own exponent; the data attributes let tests and tools read them. */
function amounts(entries: readonly CurrencyPurchases[], amountOf: (entry: CurrencyPurchases) => number): Child {
  if (entries.length === 0) return '—';
  return h('span', { class: 'amounts' }, ...entries.flatMap((entry, i) => [
    i > 0 ? ' · ' : null,
    h('span', { class: 'amount', 'data-currency': entry.currency, 'data-minor': amountOf(entry) }, money(amountOf(entry), entry.currency, entry.exponent)),
  ]));
}

export function figuresSection(view: Customer360, analytics: CustomerAnalytics | null): HTMLElement {
  const figure = (label: string, value: Child, note?: string) => h('div', { class: 'figure' }, h('span', { class: 'figure-label' }, label), h('span', { class: 'figure-value' }, value), note ? h('span', { class: 'figure-note' }, note) : null);
  const churn = analytics?.churnRisk?.score;
  // Never one total across currencies: a figure lists each currency the customer paid in.
  const currencies = Object.values(view.purchases.byCurrency).filter((entry) => entry.count > 0).sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  const clvCurrency = analytics?.clv?.currency ?? analytics?.currency;
  return section('figures', 'Key figures',
    h('div', { class: 'figures' },
      figure('Lifetime value', analytics?.clv && clvCurrency !== undefined && analytics.exponent !== undefined
        ? h('span', { class: 'amount', 'data-currency': clvCurrency, 'data-minor': analytics.clv.valueMinor }, money(analytics.clv.valueMinor, clvCurrency, analytics.exponent))
        : NOT_AVAILABLE, analytics?.clv ? `in ${clvCurrency}, the reporting currency` : undefined),
      figure('Orders', String(view.purchases.count), view.purchases.lastAt ? `last ${day(view.purchases.lastAt)}` : undefined),
      figure('Average order', amounts(currencies, (entry) => entry.averageOrderValueMinor)),
      figure('Net revenue', amounts(currencies, (entry) => entry.netMinor)),
      figure('NPS', view.nps.count > 0 ? `${score(view.nps.last, 0)} last` : '—', view.nps.count > 0 ? `avg ${score(view.nps.average)} · ${counted(view.nps.count, 'answer')}` : undefined),
      figure('CSAT', view.csat.count > 0 ? `${score(view.csat.average)} / 5` : '—', view.csat.count > 0 ? `${percent(view.csat.satisfiedShare)} satisfied` : undefined),
      figure('Churn risk', churn === undefined ? NOT_AVAILABLE : percent(churn > 1 ? churn / 100 : churn)),
      figure('Interactions', String(view.interactions), view.lastInteractionAt ? `last ${day(view.lastInteractionAt)}` : undefined),
    ),
  );
}

const SLA_WORDS: Readonly<Record<SlaState, string>> = { met: 'met', breached: 'breached', at_risk: 'at risk', on_track: 'on track', overdue: 'overdue' };

export function slaBadge(label: string, state: SlaState): HTMLElement {
  return h('span', { class: `sla sla-${state}` }, `${label}: ${SLA_WORDS[state]}`);
}

/** The deadline still to meet, as a countdown that says when it is past. */
export function dueBadge(ticket: TicketSummary, now: Date = new Date()): HTMLElement | null {
  // nextDueAt is null once nothing is left to meet (both verdicts given, a reopen judged no more):
  // no countdown then. Only an answer without the field (an older server) falls back to the due times.
  const dueAt = ticket.nextDueAt !== undefined ? ticket.nextDueAt : ticket.status !== 'open' ? null : ticket.firstResponseAt ? ticket.resolutionDueAt : ticket.firstResponseDueAt;
  if (!dueAt || ticket.status !== 'open') return null;
  const { text, overdue } = countdown(dueAt, now);
  return h('span', { class: `due${overdue ? ' overdue' : ''}`, 'data-due-at': dueAt }, text);
}

/** A ticket in a list: its subject as a link to its page, then priority, status, SLA. */
export function ticketRow(ticket: TicketSummary, extra: readonly Child[] = []): HTMLElement {
  return h('div', { class: 'ticket-summary' },
    h('a', { class: 'ticket-link', href: `#/tickets/${encodeURIComponent(ticket.ticketId)}`, 'data-focus-key': `ticket:${ticket.ticketId}` }, ticket.subject ?? ticket.ticketId),
    ' ',
    h('span', { class: `priority priority-${ticket.priority ?? 'none'}` }, ticket.priority ?? '—'),
    ' ',
    h('span', { class: 'muted' }, `${ticket.ticketId} · ${ticket.status} · opened ${relativeTime(ticket.openedAt)} · ${counted(ticket.replyCount, 'reply', 'replies')}`),
    ...extra,
    h('div', { class: 'sla-row' }, slaBadge('First response', ticket.firstResponseSla), ' ', slaBadge('Resolution', ticket.resolutionSla), ' ', dueBadge(ticket)),
  );
}
