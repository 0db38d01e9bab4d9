// The customer analytics projection: profile, current totals, and the dated history per customer.
import type { RecordedEvent } from '@app/event-sourcing';
import { recordedCurrency, type RecordedCurrency } from '@app/money';
import type { DocumentChange, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { FORGOTTEN } from '@app/event-sourcing';
import { assertUnreachable, businessTime, earlier, forgetValue, isCatalogueEvent, later, npsClass, type CatalogueEvent } from '@app/customer-view/projections';
import type { ProfileChanges } from '@app/customers/domain/customer.events';
import { EMPTY_HISTORY, type CustomerHistory, type TicketFact, type TicketStatus } from '../domain/customer-history';
import { CUSTOMER_ANALYTICS_COLLECTION, type CurrencyMoney, type CustomerAnalyticsDocument, type CustomerAnalyticsFields } from './customer-analytics.document';

export function emptyCustomerAnalytics(customerId: string): CustomerAnalyticsFields {
  return {
    customerId, registered: false, registeredAt: null, firstName: null, lastName: null, name: '', email: null, country: null,
    orders: 0, money: {}, firstPurchaseAt: null, lastPurchaseAt: null,
    npsLast: null, npsLastAt: null, npsLastClass: null, openTickets: 0, history: EMPTY_HISTORY,
    profilingConsent: null, forgotten: false,
  };
}

const PROFILE_FIELDS = ['firstName', 'lastName', 'email', 'country'] as const;

/** Applies the known profile fields of a registration or change; JSON null clears, absent keeps. */
function withProfile(view: CustomerAnalyticsFields, changes: ProfileChanges): CustomerAnalyticsFields {
  const next: Record<(typeof PROFILE_FIELDS)[number], string | null> = {
    firstName: view.firstName, lastName: view.lastName, email: view.email, country: view.country,
  };
  for (const field of PROFILE_FIELDS) {
    const value = changes[field];
    if (value !== undefined) next[field] = value ?? null;
  }
  return {
    ...view,
    ...next,
    name: [next.firstName, next.lastName].filter((part) => part).join(' '),
    country: next.country ? next.country.toUpperCase() : null,
  };
}

function moneyOf(view: CustomerAnalyticsFields, currency: RecordedCurrency): CurrencyMoney {
  return view.money[currency.key] ?? { currency: currency.code, exponent: currency.exponent, orders: 0, grossMinor: 0, refundedMinor: 0, netMinor: 0 };
}

/** Inserts keeping business-time order (imports and Kafka partitions may deliver a customer's facts out of it). */
function inserted<T extends { readonly at: string }>(list: readonly T[], item: T): T[] {
  let index = list.length;
  while (index > 0 && list[index - 1].at > item.at) index--;
  return [...list.slice(0, index), item, ...list.slice(index)];
}

function statusNow(ticket: TicketFact): TicketStatus | null {
  return ticket.changes.length === 0 ? null : ticket.changes[ticket.changes.length - 1].status;
}

function withTicketChange(view: CustomerAnalyticsFields, ticketId: string, at: string, status: TicketStatus, opens: boolean): CustomerAnalyticsFields {
  const existing = view.history.tickets.find((t) => t.ticketId === ticketId);
  if (!existing && !opens) return view;
  if (existing && opens) return view;
  const ticket: TicketFact = existing
    ? { ticketId, changes: inserted(existing.changes, { at, status }) }
    : { ticketId, changes: [{ at, status }] };
  const tickets = existing ? view.history.tickets.map((t) => (t.ticketId === ticketId ? ticket : t)) : [...view.history.tickets, ticket];
  return { ...view, history: { ...view.history, tickets }, openTickets: tickets.filter((t) => statusNow(t) === 'open').length };
}

function withHistory(view: CustomerAnalyticsFields, change: Partial<CustomerHistory>): CustomerAnalyticsFields {
  return { ...view, history: { ...view.history, ...change } };
}

/** Folds one catalogue event into the customer's analytics facts. Pure. */
export function evolveCustomerAnalytics(view: CustomerAnalyticsFields, event: CatalogueEvent): CustomerAnalyticsFields {
  const at = businessTime(event);
  switch (event.type) {
    case 'CustomerRegistered':
      return { ...withProfile(view, event.data.profile), registered: true, registeredAt: at };
    case 'CustomerProfileUpdated':
      return withProfile(view, event.data.changes);
    case 'PurchaseCompleted': {
      const { orderId, totalMinor } = event.data;
      if (view.history.orders.some((o) => o.orderId === orderId)) return view;
      const currency = recordedCurrency(event.data.currency);
      const money = moneyOf(view, currency);
      return {
        ...withHistory(view, { orders: inserted(view.history.orders, { orderId, at, currency: currency.key, grossMinor: totalMinor }) }),
        orders: view.orders + 1,
        money: {
          ...view.money,
          [currency.key]: { ...money, orders: money.orders + 1, grossMinor: money.grossMinor + totalMinor, netMinor: money.netMinor + totalMinor },
        },
        firstPurchaseAt: earlier(view.firstPurchaseAt, at),
        lastPurchaseAt: later(view.lastPurchaseAt, at),
      };
    }
    case 'PurchaseRefunded': {
      const { orderId, refundId, amountMinor } = event.data;
      if (view.history.refunds.some((r) => r.refundId === refundId && r.orderId === orderId)) return view;
      const currency = recordedCurrency(event.data.currency);
      const money = moneyOf(view, currency);
      return {
        ...withHistory(view, { refunds: inserted(view.history.refunds, { refundId, orderId, at, currency: currency.key, amountMinor }) }),
        money: { ...view.money, [currency.key]: { ...money, refundedMinor: money.refundedMinor + amountMinor, netMinor: money.netMinor - amountMinor } },
      };
    }
    case 'SurveyAnswered': {
      if (event.data.kind !== 'nps') return view;
      const score = event.data.score;
      const next = withHistory(view, { nps: inserted(view.history.nps, { at, score }) });
      if (view.npsLastAt !== null && at < view.npsLastAt) return next;
      return { ...next, npsLast: score, npsLastAt: at, npsLastClass: npsClass(score) };
    }
    case 'TicketOpened':
      return withTicketChange(view, event.data.ticketId, at, 'open', true);
    case 'TicketResolved':
      return withTicketChange(view, event.data.ticketId, at, 'resolved', false);
    case 'TicketReopened':
      return withTicketChange(view, event.data.ticketId, at, 'open', false);
    case 'TicketClosed':
      return withTicketChange(view, event.data.ticketId, at, 'closed', false);
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
      // A forgotten customer's consent is withdrawn for good (nothing is recorded about them after the forget).
      return event.data.purpose === 'profiling' ? { ...view, profilingConsent: !view.forgotten && event.type === 'ConsentGiven' } : view;
    case 'CustomerForgotten':
      // The same whatever the names were, so a rebuild (reading FORGOTTEN from the log) ends here too.
      return {
        ...view,
        firstName: forgetValue(view.firstName),
        lastName: forgetValue(view.lastName),
        email: forgetValue(view.email),
        name: FORGOTTEN,
        forgotten: true,
        // Erasure ends profiling: no scores, no RFM rank, not among the model's buyers, from now on
        // and as of any earlier date (computing them is processing now). The figures stay.
        profilingConsent: false,
      };
    case 'ContactPointAdded':
    case 'CallLogged':
    case 'EmailSent':
    case 'EmailReceived':
    case 'EmailOpened':
    case 'EmailClicked':
    case 'ChatCompleted':
    case 'NoteAdded':
    case 'TicketAssigned':
    case 'TicketReplied':
    case 'TicketNoteAdded':
    case 'TicketPriorityChanged':
      return view;
    default:
      return assertUnreachable(event);
  }
}

/** Events that change the document; the others are not loaded at all. */
const RELEVANT: ReadonlySet<string> = new Set([
  'CustomerRegistered', 'CustomerProfileUpdated', 'ConsentGiven', 'ConsentWithdrawn', 'CustomerForgotten', 'PurchaseCompleted', 'PurchaseRefunded', 'SurveyAnswered',
  'TicketOpened', 'TicketResolved', 'TicketReopened', 'TicketClosed',
]);

function fieldsOf(doc: CustomerAnalyticsDocument): CustomerAnalyticsFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

export const customerAnalyticsProjection: Projection = {
  name: 'analytics-customers',
  collections: [
    {
      name: CUSTOMER_ANALYTICS_COLLECTION,
      indexes: [
        { fields: [{ field: 'orders', direction: 'asc' }] },
        { fields: [{ field: 'customerId', direction: 'asc' }] },
        { fields: [{ field: 'country', direction: 'asc' }, { field: 'customerId', direction: 'asc' }] },
      ],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isCatalogueEvent(event) && RELEVANT.has(event.type) ? [{ collection: CUSTOMER_ANALYTICS_COLLECTION, id: event.metadata.customerId }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (!isCatalogueEvent(event) || !RELEVANT.has(event.type)) return [];
    const customerId = event.metadata.customerId;
    const current = view.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
    const fields = current ? fieldsOf(current) : emptyCustomerAnalytics(customerId);
    return [{ collection: CUSTOMER_ANALYTICS_COLLECTION, id: customerId, doc: evolveCustomerAnalytics(fields, event) }];
  },
};
