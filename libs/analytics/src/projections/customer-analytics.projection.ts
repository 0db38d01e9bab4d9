// The customer analytics projection: purchases, refunds, last NPS and open tickets per customer.
import type { RecordedEvent } from '@app/event-sourcing';
import { recordedCurrency, type RecordedCurrency } from '@app/money';
import type { DocumentChange, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { FORGOTTEN } from '@app/event-sourcing';
import { assertUnreachable, businessTime, earlier, forgetValue, isCatalogueEvent, later, npsClass, type CatalogueEvent } from '@app/customer-view';
import type { ProfileChanges } from '@app/customers/domain/customer.events';
import {
  CUSTOMER_ANALYTICS_COLLECTION,
  PURCHASES_KEPT,
  type CurrencyMoney,
  type CustomerAnalyticsDocument,
  type CustomerAnalyticsFields,
  type PurchaseEntry,
  type TicketStatusEntry,
} from './customer-analytics.document';

export function emptyCustomerAnalytics(customerId: string): CustomerAnalyticsFields {
  return {
    customerId, registered: false, firstName: null, lastName: null, name: '', email: null, country: null,
    orders: 0, money: {}, firstPurchaseAt: null, lastPurchaseAt: null, purchases: [],
    npsLast: null, npsLastAt: null, npsLastClass: null, openTickets: 0, tickets: [], profilingConsent: null, forgotten: false,
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

function byTime(a: PurchaseEntry, b: PurchaseEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}

function countOpen(tickets: readonly TicketStatusEntry[]): number {
  return tickets.filter((ticket) => ticket.status === 'open').length;
}

function withTickets(view: CustomerAnalyticsFields, tickets: readonly TicketStatusEntry[]): CustomerAnalyticsFields {
  return { ...view, tickets, openTickets: countOpen(tickets) };
}

/** Folds one catalogue event into the customer's analytics facts. Pure. */
export function evolveCustomerAnalytics(view: CustomerAnalyticsFields, event: CatalogueEvent): CustomerAnalyticsFields {
  const at = businessTime(event);
  switch (event.type) {
    case 'CustomerRegistered':
      return { ...withProfile(view, event.data.profile), registered: true };
    case 'CustomerProfileUpdated':
      return withProfile(view, event.data.changes);
    case 'PurchaseCompleted': {
      const { orderId, totalMinor } = event.data;
      if (view.purchases.some((p) => p.orderId === orderId)) return view;
      const currency = recordedCurrency(event.data.currency);
      const money = moneyOf(view, currency);
      const purchases = [...view.purchases, { orderId, at, currency: currency.key, netMinor: totalMinor }].sort(byTime).slice(-PURCHASES_KEPT);
      return {
        ...view,
        orders: view.orders + 1,
        money: {
          ...view.money,
          [currency.key]: { ...money, orders: money.orders + 1, grossMinor: money.grossMinor + totalMinor, netMinor: money.netMinor + totalMinor },
        },
        firstPurchaseAt: earlier(view.firstPurchaseAt, at),
        lastPurchaseAt: later(view.lastPurchaseAt, at),
        purchases,
      };
    }
    case 'PurchaseRefunded': {
      const { orderId, amountMinor } = event.data;
      const currency = recordedCurrency(event.data.currency);
      const money = moneyOf(view, currency);
      return {
        ...view,
        money: { ...view.money, [currency.key]: { ...money, refundedMinor: money.refundedMinor + amountMinor, netMinor: money.netMinor - amountMinor } },
        purchases: view.purchases.map((p) => (p.orderId === orderId ? { ...p, netMinor: p.netMinor - amountMinor } : p)),
      };
    }
    case 'SurveyAnswered': {
      if (event.data.kind !== 'nps') return view;
      if (view.npsLastAt !== null && at < view.npsLastAt) return view;
      return { ...view, npsLast: event.data.score, npsLastAt: at, npsLastClass: npsClass(event.data.score) };
    }
    case 'TicketOpened':
      if (view.tickets.some((t) => t.ticketId === event.data.ticketId)) return view;
      return withTickets(view, [...view.tickets, { ticketId: event.data.ticketId, status: 'open' }]);
    case 'TicketResolved':
    case 'TicketReopened': {
      const status = event.type === 'TicketResolved' ? 'resolved' : 'open';
      return withTickets(view, view.tickets.map((t) => (t.ticketId === event.data.ticketId ? { ...t, status } : t)));
    }
    case 'TicketClosed':
      return withTickets(view, view.tickets.filter((t) => t.ticketId !== event.data.ticketId));
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
      return event.data.purpose === 'profiling' ? { ...view, profilingConsent: event.type === 'ConsentGiven' } : view;
    case 'CustomerForgotten':
      // The same whatever the names were, so a rebuild (reading FORGOTTEN from the log) ends here too.
      return {
        ...view,
        firstName: forgetValue(view.firstName),
        lastName: forgetValue(view.lastName),
        email: forgetValue(view.email),
        name: FORGOTTEN,
        forgotten: true,
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
