// The customer 360 projection: folds every catalogue event of a customer into one document.
import type { RecordedEvent } from '@app/event-sourcing';
import { FORGOTTEN } from '@app/event-sourcing';
import { recordedCurrency, type RecordedCurrency } from '@app/money';
import type { DocumentChange, DocumentQuery, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import type { ProfileChanges } from '@app/customers/domain/customer.events';
import { firstReplyBreached, minutesBetween, slaBreachesOnLeavingOpen, slaDueTimes, type SlaBreaches } from '@app/tickets/projections/ticket-sla';
import { businessTime, earlier, later } from './business-time';
import { assertUnreachable, isCatalogueEvent, type CatalogueEvent } from './catalogue-event';
import {
  CUSTOMER_360_COLLECTION,
  EMAIL_MESSAGE_IDS_KEPT,
  RECENT_TIMELINE_SIZE,
  type Customer360Document,
  type Customer360Fields,
  type Customer360Profile,
  type CurrencyPurchaseStats,
  type CustomerTicketEntry,
  type RecentTimelineEntry,
  type TicketStats,
} from './customer-360.document';
import { fullName, isInteraction, npsClass, summarise, timelineChannel } from './timeline-entry';
import { forgetValue, isCustomerForgotten } from './forgotten';
import { forgottenTimelineEntry, TIMELINE_COLLECTION, type TimelineEntryDocument } from './timeline.projection';

/**
 * A map key safe for MongoDB field paths, one to one with the value: `%` is written `%25`, `.` `%2E`
 * and a leading `$` `%24`; any other value is its own key. Categories and ticket ids are keys in the
 * 360 document; look them up through this function. (Before 2026-12-05 `.` and a leading `$` became
 * `_`, so tickets `o.d` and `o_d`, or categories `a.b` and `a_b`, shared one entry: legacyFieldKey.)
 */
export function fieldKey(value: string): string {
  return value.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

/** The key documents written before 2026-12-05 hold a value under (not one to one: see fieldKey). */
export function legacyFieldKey(value: string): string {
  return value.replace(/\./g, '_').replace(/^\$/, '_');
}

export function emptyCustomer360(customerId: string): Customer360Fields {
  return {
    customerId,
    externalId: null,
    displayName: '',
    profile: {
      firstName: null, lastName: null, email: null, phone: null, birthDate: null,
      gender: null, country: null, city: null, language: null,
    },
    registeredAt: null,
    contactPoints: [],
    consents: {},
    purchases: { count: 0, lastCurrency: null, firstAt: null, lastAt: null, byCurrency: {} },
    refunds: { count: 0, byCurrency: {} },
    calls: { count: 0, inbound: 0, outbound: 0, totalDurationSeconds: 0, lastAt: null },
    emails: { sent: 0, received: 0, opened: 0, clicked: 0, lastAt: null, openedMessageIds: [], clickedMessageIds: [] },
    chats: { count: 0, lastAt: null },
    notes: { count: 0 },
    tickets: {
      open: 0, total: 0, resolved: 0, slaBreaches: 0, firstResponseBreaches: 0, resolutionBreaches: 0,
      meanResolutionMinutes: null, resolutionMinutesTotal: 0, openTickets: {},
    },
    nps: { count: 0, last: null, lastAt: null, average: null, sum: 0, lastClass: null, promoters: 0, passives: 0, detractors: 0 },
    csat: { count: 0, last: null, lastAt: null, average: null, sum: 0, satisfied: 0, satisfiedShare: null },
    recentTimeline: [],
    interactions: 0,
    lastInteractionAt: null,
    forgottenAt: null,
  };
}

/**
 * The 360 fields of a forgotten customer: every personal value FORGOTTEN (null stays null), contact
 * points gone, each recent timeline line said again from its forgotten timeline row. Figures,
 * consents (purposes and dates) and ids stay, but every consent given is withdrawn as of the forget
 * (`via: forget`): forgetting ends all processing for good (profiling, as the analytics count it, and
 * marketing: found from outside, `marketing_email` still read given on a forgotten customer). The
 * same whatever the values were before, so a rebuild (which reads FORGOTTEN from the log) ends where
 * the live scrub did.
 */
export function forgetCustomer360(view: Customer360Fields, at: string, timeline: readonly TimelineEntryDocument[]): Customer360Fields {
  const rows = new Map(timeline.map((row) => [row.id, row]));
  const consents = Object.fromEntries(
    Object.entries(view.consents).map(([purpose, consent]) => [purpose, consent?.granted === true ? { granted: false, at, via: 'forget' } : consent]),
  ) as Customer360Fields['consents'];
  const { profile } = view;
  const openTickets = Object.fromEntries(
    Object.entries(view.tickets.openTickets).map(([key, ticket]) => [key, { ...ticket, subject: forgetValue(ticket.subject) }]),
  );
  return {
    ...view,
    displayName: FORGOTTEN,
    profile: {
      ...profile,
      firstName: forgetValue(profile.firstName),
      lastName: forgetValue(profile.lastName),
      email: forgetValue(profile.email),
      phone: forgetValue(profile.phone),
      birthDate: forgetValue(profile.birthDate),
      city: forgetValue(profile.city),
    },
    // Not each value masked: equal values would collapse differently live and in a rebuild.
    contactPoints: [],
    consents,
    tickets: { ...view.tickets, openTickets },
    recentTimeline: view.recentTimeline.map((entry) => {
      const row = rows.get(entry.eventId);
      return { ...entry, summary: row ? forgottenTimelineEntry(row).summary : FORGOTTEN };
    }),
    forgottenAt: view.forgottenAt ?? at,
  };
}

/** Folds one catalogue event into the customer's 360 fields. Pure: returns a new object. */
export function evolveCustomer360(view: Customer360Fields, event: CatalogueEvent): Customer360Fields {
  const at = businessTime(event);
  const next = withInteraction(view, event, at);
  switch (event.type) {
    case 'CustomerRegistered': {
      const profile = mergeProfile(next.profile, event.data.profile);
      return {
        ...next,
        externalId: event.data.externalId ?? next.externalId,
        profile,
        displayName: fullName(profile.firstName, profile.lastName),
        registeredAt: at,
      };
    }
    case 'CustomerProfileUpdated': {
      const profile = mergeProfile(next.profile, event.data.changes);
      return { ...next, profile, displayName: fullName(profile.firstName, profile.lastName) };
    }
    case 'ContactPointAdded': {
      const { kind, value, label } = event.data;
      if (next.contactPoints.some((point) => point.kind === kind && point.value === value)) return next;
      return { ...next, contactPoints: [...next.contactPoints, { kind, value, label: label ?? null, addedAt: at }] };
    }
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
      return {
        ...next,
        consents: { ...next.consents, [event.data.purpose]: { granted: event.type === 'ConsentGiven', at, via: event.data.via } },
      };
    case 'CustomerForgotten':
      // The scrub needs the customer's timeline rows: the projection does it (forgetCustomer360).
      return next;
    case 'CallLogged': {
      const { calls } = next;
      return {
        ...next,
        calls: {
          count: calls.count + 1,
          inbound: calls.inbound + (event.data.direction === 'inbound' ? 1 : 0),
          outbound: calls.outbound + (event.data.direction === 'outbound' ? 1 : 0),
          totalDurationSeconds: calls.totalDurationSeconds + event.data.durationSeconds,
          lastAt: later(calls.lastAt, at),
        },
      };
    }
    case 'EmailSent':
      return { ...next, emails: { ...next.emails, sent: next.emails.sent + 1, lastAt: later(next.emails.lastAt, at) } };
    case 'EmailReceived':
      return { ...next, emails: { ...next.emails, received: next.emails.received + 1, lastAt: later(next.emails.lastAt, at) } };
    case 'EmailOpened': {
      const { emails } = next;
      const seen = emails.openedMessageIds.includes(event.data.messageId);
      return {
        ...next,
        emails: {
          ...emails,
          opened: emails.opened + (seen ? 0 : 1),
          openedMessageIds: seen ? emails.openedMessageIds : remember(emails.openedMessageIds, event.data.messageId),
          lastAt: later(emails.lastAt, at),
        },
      };
    }
    case 'EmailClicked': {
      const { emails } = next;
      const seen = emails.clickedMessageIds.includes(event.data.messageId);
      return {
        ...next,
        emails: {
          ...emails,
          clicked: emails.clicked + (seen ? 0 : 1),
          clickedMessageIds: seen ? emails.clickedMessageIds : remember(emails.clickedMessageIds, event.data.messageId),
          lastAt: later(emails.lastAt, at),
        },
      };
    }
    case 'ChatCompleted':
      return { ...next, chats: { count: next.chats.count + 1, lastAt: later(next.chats.lastAt, at) } };
    case 'PurchaseCompleted': {
      const { purchases } = next;
      const { totalMinor, channel, lines } = event.data;
      const currency = recordedCurrency(event.data.currency);
      const stats = purchases.byCurrency[currency.key] ?? emptyCurrencyStats(currency);
      const count = stats.count + 1;
      const total = stats.totalMinor + totalMinor;
      const byCategory = { ...stats.byCategory };
      for (const line of lines) {
        const key = fieldKey(line.category);
        const category = byCategory[key] ?? { count: 0, quantity: 0, totalMinor: 0 };
        byCategory[key] = {
          count: category.count + 1,
          quantity: category.quantity + line.quantity,
          totalMinor: category.totalMinor + line.quantity * line.unitPriceMinor,
        };
      }
      const channelKey = fieldKey(channel);
      const channelStats = stats.byChannel[channelKey] ?? { count: 0, totalMinor: 0 };
      const isLatest = purchases.lastAt === null || at >= purchases.lastAt;
      const updated: CurrencyPurchaseStats = {
        ...stats,
        count,
        totalMinor: total,
        netMinor: total - stats.refundedMinor,
        averageOrderValueMinor: Math.round(total / count),
        firstAt: earlier(stats.firstAt, at),
        lastAt: later(stats.lastAt, at),
        byCategory,
        byChannel: { ...stats.byChannel, [channelKey]: { count: channelStats.count + 1, totalMinor: channelStats.totalMinor + totalMinor } },
      };
      return {
        ...next,
        purchases: {
          count: purchases.count + 1,
          lastCurrency: isLatest ? currency.code : purchases.lastCurrency,
          firstAt: earlier(purchases.firstAt, at),
          lastAt: later(purchases.lastAt, at),
          byCurrency: { ...purchases.byCurrency, [currency.key]: updated },
        },
      };
    }
    case 'PurchaseRefunded': {
      const { purchases, refunds } = next;
      const { amountMinor } = event.data;
      const currency = recordedCurrency(event.data.currency);
      // The order's purchase precedes its refund in its stream; an empty entry is only defensive.
      const stats = purchases.byCurrency[currency.key] ?? emptyCurrencyStats(currency);
      const refundedMinor = stats.refundedMinor + amountMinor;
      const refundStats = refunds.byCurrency[currency.key] ?? { currency: currency.code, exponent: currency.exponent, count: 0, totalMinor: 0 };
      return {
        ...next,
        purchases: { ...purchases, byCurrency: { ...purchases.byCurrency, [currency.key]: { ...stats, refundedMinor, netMinor: stats.totalMinor - refundedMinor } } },
        refunds: {
          count: refunds.count + 1,
          byCurrency: { ...refunds.byCurrency, [currency.key]: { ...refundStats, count: refundStats.count + 1, totalMinor: refundStats.totalMinor + amountMinor } },
        },
      };
    }
    case 'SurveyAnswered': {
      const { score } = event.data;
      if (event.data.kind === 'nps') {
        const { nps } = next;
        const count = nps.count + 1;
        const sum = nps.sum + score;
        const isLatest = nps.lastAt === null || at >= nps.lastAt;
        const band = npsClass(score);
        return {
          ...next,
          nps: {
            count,
            sum,
            average: round(sum / count, 2),
            last: isLatest ? score : nps.last,
            lastAt: later(nps.lastAt, at),
            lastClass: isLatest ? band : nps.lastClass,
            promoters: nps.promoters + (band === 'promoter' ? 1 : 0),
            passives: nps.passives + (band === 'passive' ? 1 : 0),
            detractors: nps.detractors + (band === 'detractor' ? 1 : 0),
          },
        };
      }
      const { csat } = next;
      const count = csat.count + 1;
      const sum = csat.sum + score;
      const satisfied = csat.satisfied + (score >= 4 ? 1 : 0);
      const isLatest = csat.lastAt === null || at >= csat.lastAt;
      return {
        ...next,
        csat: {
          count,
          sum,
          satisfied,
          average: round(sum / count, 2),
          satisfiedShare: round(satisfied / count, 4),
          last: isLatest ? score : csat.last,
          lastAt: later(csat.lastAt, at),
        },
      };
    }
    case 'NoteAdded':
      return { ...next, notes: { count: next.notes.count + 1 } };
    case 'TicketOpened':
    case 'TicketAssigned':
    case 'TicketReplied':
    case 'TicketResolved':
    case 'TicketReopened':
    case 'TicketClosed':
    case 'TicketNoteAdded':
    case 'TicketPriorityChanged':
      return { ...next, tickets: evolveTickets(next.tickets, event, at) };
    default:
      return assertUnreachable(event);
  }
}

function emptyCurrencyStats(currency: RecordedCurrency): CurrencyPurchaseStats {
  return {
    currency: currency.code, exponent: currency.exponent, count: 0, totalMinor: 0, refundedMinor: 0, netMinor: 0,
    averageOrderValueMinor: 0, firstAt: null, lastAt: null, byCategory: {}, byChannel: {},
  };
}

type TicketCatalogueEvent = Extract<CatalogueEvent, { type: `Ticket${string}` }>;

function movedKey<T>(record: Readonly<Record<string, T>>, from: string, to: string): Record<string, T> {
  const { [from]: value, ...others } = record;
  return value === undefined ? others : { ...others, [to]: value };
}

function evolveTickets(stored: TicketStats, event: TicketCatalogueEvent, at: string): TicketStats {
  const { ticketId } = event.data;
  const key = fieldKey(ticketId);
  // An open ticket recorded before keys were one to one sits under its old key: found there when that
  // entry is this ticket's (it carries its id), and moved to its own key.
  const legacy = legacyFieldKey(ticketId);
  const underLegacy = legacy !== key && stored.openTickets[key] === undefined && stored.openTickets[legacy]?.ticketId === ticketId;
  const tickets = underLegacy ? { ...stored, openTickets: movedKey(stored.openTickets, legacy, key) } : stored;
  const entry = tickets.openTickets[key];
  if (event.type === 'TicketOpened') {
    const { sla } = event.data;
    const opened: CustomerTicketEntry = {
      ticketId: event.data.ticketId,
      subject: event.data.subject,
      priority: event.data.priority,
      status: 'open',
      assigneeId: null,
      openedAt: at,
      firstResponseAt: null,
      ...slaDueTimes(at, sla),
      firstResolvedAt: null,
    };
    return { ...tickets, total: tickets.total + 1, open: tickets.open + 1, openTickets: { ...tickets.openTickets, [key]: opened } };
  }
  // A ticket already closed (or never seen opened) has nothing left to count.
  if (!entry) return tickets;
  const put = (changed: CustomerTicketEntry, stats: Partial<TicketStats> = {}): TicketStats => ({
    ...tickets,
    ...stats,
    openTickets: { ...tickets.openTickets, [key]: changed },
  });
  switch (event.type) {
    case 'TicketAssigned':
      return put({ ...entry, assigneeId: event.data.agentId });
    case 'TicketReplied': {
      if (event.data.author !== 'agent' || entry.firstResponseAt !== null) return tickets;
      const breached = entry.firstResolvedAt === null && firstReplyBreached(at, entry.firstResponseDueAt);
      return put({ ...entry, firstResponseAt: at }, breached ? addBreaches(tickets, 1, 0) : {});
    }
    case 'TicketResolved': {
      const wasOpen = entry.status === 'open';
      const resolved: CustomerTicketEntry = { ...entry, status: 'resolved', firstResolvedAt: entry.firstResolvedAt ?? at };
      const open = tickets.open - (wasOpen ? 1 : 0);
      if (entry.firstResolvedAt !== null) return put(resolved, { open });
      const resolvedCount = tickets.resolved + 1;
      const minutesTotal = tickets.resolutionMinutesTotal + (entry.openedAt === null ? 0 : minutesBetween(entry.openedAt, at));
      return put(resolved, {
        open,
        resolved: resolvedCount,
        resolutionMinutesTotal: minutesTotal,
        meanResolutionMinutes: round(minutesTotal / resolvedCount, 2),
        ...breachesOnLeavingOpen(tickets, entry, at),
      });
    }
    case 'TicketReopened':
      return entry.status === 'open' ? tickets : put({ ...entry, status: 'open' }, { open: tickets.open + 1 });
    case 'TicketClosed': {
      const { [key]: _closed, ...stillOpen } = tickets.openTickets;
      // Closed without ever being resolved: the close is when its SLA is judged.
      const judged = entry.firstResolvedAt === null ? breachesOnLeavingOpen(tickets, entry, at) : {};
      return { ...tickets, ...judged, open: tickets.open - (entry.status === 'open' ? 1 : 0), openTickets: stillOpen };
    }
    case 'TicketNoteAdded':
      return tickets;
    case 'TicketPriorityChanged': {
      // Due times follow the new policy from the opening, as in the tickets read model.
      const { priority, sla } = event.data;
      return put({
        ...entry,
        priority,
        ...(entry.openedAt === null ? {} : slaDueTimes(entry.openedAt, sla)),
      });
    }
    default:
      return assertUnreachable(event);
  }
}

/**
 * The breaches a ticket adds when it first leaves the open state; a late first reply was counted
 * when it came, so only an unanswered ticket's first response is judged here.
 */
function breachesOnLeavingOpen(tickets: TicketStats, entry: CustomerTicketEntry, at: string): Partial<TicketStats> {
  const answered = entry.firstResponseAt !== null;
  // The reply's verdict is already counted: passing it as met keeps it out of what is added now.
  const verdict: SlaBreaches = slaBreachesOnLeavingOpen({ ...entry, firstResponseBreached: answered ? false : null }, at);
  return addBreaches(tickets, verdict.firstResponse ? 1 : 0, verdict.resolution ? 1 : 0);
}

function addBreaches(tickets: TicketStats, firstResponse: number, resolution: number): Partial<TicketStats> {
  return {
    firstResponseBreaches: tickets.firstResponseBreaches + firstResponse,
    resolutionBreaches: tickets.resolutionBreaches + resolution,
    slaBreaches: tickets.slaBreaches + firstResponse + resolution,
  };
}

/** Counts the event as an interaction (unless it is a profile change) and files it in recentTimeline. */
function withInteraction(view: Customer360Fields, event: CatalogueEvent, at: string): Customer360Fields {
  const channel = timelineChannel(event);
  if (!isInteraction(channel)) return view;
  const entry: RecentTimelineEntry = { eventId: event.eventId, type: event.type, channel, occurredAt: at, summary: summarise(event) };
  return {
    ...view,
    interactions: view.interactions + 1,
    lastInteractionAt: later(view.lastInteractionAt, at),
    recentTimeline: [...view.recentTimeline, entry].sort(newestFirst).slice(0, RECENT_TIMELINE_SIZE),
  };
}

/** The timeline order: occurredAt desc, then id (event id) desc. */
function newestFirst(a: RecentTimelineEntry, b: RecentTimelineEntry): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}

function mergeProfile(profile: Customer360Profile, changes: ProfileChanges): Customer360Profile {
  const merged: Record<string, unknown> = { ...profile };
  for (const [field, value] of Object.entries(changes)) {
    // Only known profile fields; JSON null clears a field, an absent value leaves it.
    if (field in profile && value !== undefined) merged[field] = value;
  }
  return merged as Customer360Profile;
}

/** Appends a message id, forgetting the oldest beyond EMAIL_MESSAGE_IDS_KEPT. */
function remember(ids: readonly string[], messageId: string): string[] {
  return [...ids, messageId].slice(-EMAIL_MESSAGE_IDS_KEPT);
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function fieldsOf(doc: Customer360Document): Customer360Fields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

export const customer360Projection: Projection = {
  name: 'customer-360',
  collections: [{ name: CUSTOMER_360_COLLECTION, indexes: [] }],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isCatalogueEvent(event) ? [{ collection: CUSTOMER_360_COLLECTION, id: event.metadata.customerId }] : [];
  },

  touchesWhere(event: RecordedEvent): readonly DocumentQuery[] {
    return isCustomerForgotten(event) ? [{ collection: TIMELINE_COLLECTION, filter: { customerId: event.metadata.customerId } }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (!isCatalogueEvent(event)) return [];
    const customerId = event.metadata.customerId;
    const current = view.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
    // No document yet (an interaction seen before the registration): start a skeleton, never drop.
    const fields = current ? fieldsOf(current) : emptyCustomer360(customerId);
    const next = evolveCustomer360(fields, event);
    const doc = isCustomerForgotten(event) ? forgetCustomer360(next, businessTime(event), view.found<TimelineEntryDocument>(TIMELINE_COLLECTION)) : next;
    return [{ collection: CUSTOMER_360_COLLECTION, id: customerId, doc }];
  },
};
