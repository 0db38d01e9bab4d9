// The daily KPI projection: each catalogue event adds its measures to the fact row it belongs to.
import type { RecordedEvent } from '@app/event-sourcing';
import { recordedCurrency } from '@app/money';
import type { DocumentChange, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { assertUnreachable, businessTime, isCatalogueEvent, npsClass, type CatalogueEvent } from '@app/customer-view/projections';
import { firstReplyBreached, minutesBetween, slaBreachesOnLeavingOpen, slaDueTimes, type OpenTicketSla } from '@app/tickets/projections/ticket-sla';
import {
  DAILY_KPIS_COLLECTION,
  dailyRowId,
  emptyMeasures,
  utcDay,
  type DailyKpiDocument,
  type DailyKpiFields,
  type DailyMeasures,
  type CountedKind,
  type TicketProgress,
} from './daily-kpis.document';

type Ref = { collection: string; id: string };
const row = (id: string): Ref => ({ collection: DAILY_KPIS_COLLECTION, id });

/** The channel of a per-customer activity row, for events that are not orders or tickets. */
function activityChannel(event: CatalogueEvent): CountedKind | null {
  switch (event.type) {
    case 'CallLogged':
      return 'call';
    case 'EmailSent':
    case 'EmailReceived':
      return 'email';
    case 'ChatCompleted':
      return 'chat';
    case 'SurveyAnswered':
      return 'survey';
    case 'NoteAdded':
      return 'note';
    default:
      return null;
  }
}

function refsOf(event: CatalogueEvent): Ref[] {
  switch (event.type) {
    case 'PurchaseCompleted':
      return [row(dailyRowId.order(event.data.orderId))];
    case 'PurchaseRefunded':
      // The order row tells the channel the refund belongs to.
      return [row(dailyRowId.order(event.data.orderId)), row(dailyRowId.refund(event.data.orderId, event.data.refundId))];
    case 'TicketOpened':
      return [row(dailyRowId.ticketOpened(event.data.ticketId))];
    case 'TicketReplied':
      return event.data.author === 'agent' ? [row(dailyRowId.ticketOpened(event.data.ticketId))] : [];
    case 'TicketPriorityChanged':
      return [row(dailyRowId.ticketOpened(event.data.ticketId))];
    case 'TicketResolved':
    case 'TicketReopened':
      return [row(dailyRowId.ticketOpened(event.data.ticketId)), row(dailyRowId.ticketResolved(event.data.ticketId))];
    case 'TicketClosed':
      return [row(dailyRowId.ticketOpened(event.data.ticketId)), row(dailyRowId.ticketClosed(event.data.ticketId))];
    default: {
      const channel = activityChannel(event);
      return channel === null ? [] : [row(dailyRowId.activity(event.streamId))];
    }
  }
}

function fieldsOf(doc: DailyKpiDocument): DailyKpiFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

function newRow(kind: DailyKpiFields['rowKind'], at: string, channel: string, currency: string | null, customerId: string): DailyKpiFields {
  return { rowKind: kind, day: utcDay(at), at, channel, currency, customerId, ...emptyMeasures() };
}

function countInteraction(measures: DailyMeasures, kind: CountedKind): Pick<DailyMeasures, 'interactions' | 'kinds'> {
  return { interactions: measures.interactions + 1, kinds: { ...measures.kinds, [kind]: measures.kinds[kind] + 1 } };
}

/** What the shared SLA judgement needs from a ticket's progress. */
function openSla(ticket: TicketProgress): OpenTicketSla {
  const { firstResponseAt, firstResponseDueAt, resolutionDueAt } = ticket;
  const firstResponseBreached = firstResponseAt === null ? null : (ticket.firstResponseBreached ?? firstReplyBreached(firstResponseAt, firstResponseDueAt));
  return { firstResponseBreached, firstResponseDueAt, resolutionDueAt };
}

/** Pure: the row changes one catalogue event makes, given the rows it touches. */
export function dailyKpiChanges(event: CatalogueEvent, get: (id: string) => DailyKpiFields | undefined): { id: string; doc: DailyKpiFields }[] {
  const at = businessTime(event);
  const customerId = event.metadata.customerId;
  switch (event.type) {
    case 'PurchaseCompleted': {
      const id = dailyRowId.order(event.data.orderId);
      // An order is completed once (its stream refuses a second purchase).
      if (get(id)) return [];
      const base = newRow('order', at, event.data.channel, recordedCurrency(event.data.currency).key, customerId);
      return [{ id, doc: { ...base, ...countInteraction(base, 'purchase'), orders: 1, revenueMinor: event.data.totalMinor } }];
    }
    case 'PurchaseRefunded': {
      const order = get(dailyRowId.order(event.data.orderId));
      const id = dailyRowId.refund(event.data.orderId, event.data.refundId);
      // An order stream starts with its purchase, so the order row is there; 'unknown' is defensive.
      if (get(id)) return [];
      const base = newRow('refund', at, order?.channel ?? 'unknown', recordedCurrency(event.data.currency).key, customerId);
      return [{ id, doc: { ...base, refundsMinor: event.data.amountMinor } }];
    }
    case 'TicketOpened': {
      const id = dailyRowId.ticketOpened(event.data.ticketId);
      if (get(id)) return [];
      const { sla } = event.data;
      const ticket: TicketProgress = {
        ticketId: event.data.ticketId,
        openedAt: at,
        ...slaDueTimes(at, sla),
        firstResponseAt: null,
        agentReplies: 0,
        firstResolvedAt: null,
      };
      const base = newRow('ticket-opened', at, event.data.channel, null, customerId);
      return [{ id, doc: { ...base, ...countInteraction(base, 'ticket'), tickets: { ...base.tickets, opened: 1 }, ticket } }];
    }
    case 'TicketReplied': {
      // Only an agent's reply answers the customer (refsOf declares nothing for the customer's own).
      if (event.data.author !== 'agent') return [];
      const id = dailyRowId.ticketOpened(event.data.ticketId);
      const opened = get(id);
      if (!opened?.ticket || opened.ticket.firstResolvedAt !== null) return [];
      const ticket = opened.ticket;
      const first = ticket.firstResponseAt === null ? { firstResponseAt: at, firstResponseBreached: firstReplyBreached(at, ticket.firstResponseDueAt) } : {};
      return [{ id, doc: { ...opened, ticket: { ...ticket, agentReplies: ticket.agentReplies + 1, ...first } } }];
    }
    case 'TicketPriorityChanged': {
      // Due times follow the new policy from the opening, as in the ticket read model, until the
      // ticket is judged (its first resolve or close); a verdict already given stays.
      const id = dailyRowId.ticketOpened(event.data.ticketId);
      const opened = get(id);
      if (!opened?.ticket || opened.ticket.firstResolvedAt !== null) return [];
      const { sla } = event.data;
      const ticket = opened.ticket;
      return [{ id, doc: { ...opened, ticket: { ...ticket, ...slaDueTimes(ticket.openedAt, sla) } } }];
    }
    case 'TicketResolved': {
      const openedId = dailyRowId.ticketOpened(event.data.ticketId);
      const opened = get(openedId);
      if (!opened?.ticket || opened.ticket.firstResolvedAt !== null) return [];
      const ticket = opened.ticket;
      const responded = ticket.firstResponseAt !== null;
      const breaches = slaBreachesOnLeavingOpen(openSla(ticket), at);
      const base = newRow('ticket-resolved', at, opened.channel, null, customerId);
      const resolved: DailyKpiFields = {
        ...base,
        tickets: {
          ...base.tickets,
          resolved: 1,
          firstResponses: responded ? 1 : 0,
          firstResponseMinutes: ticket.firstResponseAt !== null ? minutesBetween(ticket.openedAt, ticket.firstResponseAt) : 0,
          firstResponseBreaches: breaches.firstResponse ? 1 : 0,
          resolutionMinutes: minutesBetween(ticket.openedAt, at),
          resolutionBreaches: breaches.resolution ? 1 : 0,
          firstContactResolutions: ticket.agentReplies <= 1 ? 1 : 0,
        },
        reopenedAt: null,
        firstContactBeforeReopen: ticket.agentReplies <= 1 ? 1 : 0,
      };
      return [
        { id: openedId, doc: { ...opened, ticket: { ...ticket, firstResolvedAt: at } } },
        { id: dailyRowId.ticketResolved(event.data.ticketId), doc: resolved },
      ];
    }
    case 'TicketReopened': {
      const id = dailyRowId.ticketResolved(event.data.ticketId);
      const resolved = get(id);
      if (!resolved || (resolved.reopenedAt ?? null) !== null) return [];
      return [{ id, doc: { ...resolved, reopenedAt: at, tickets: { ...resolved.tickets, firstContactResolutions: 0 } } }];
    }
    case 'TicketClosed': {
      // A ticket closed without ever being resolved: the close is when its SLA is judged.
      const opened = get(dailyRowId.ticketOpened(event.data.ticketId));
      const id = dailyRowId.ticketClosed(event.data.ticketId);
      if (!opened?.ticket || opened.ticket.firstResolvedAt !== null || get(id)) return [];
      const breaches = slaBreachesOnLeavingOpen(openSla(opened.ticket), at);
      const base = newRow('ticket-closed', at, opened.channel, null, customerId);
      const tickets = {
        ...base.tickets,
        closedUnresolved: 1,
        firstResponseBreaches: breaches.firstResponse ? 1 : 0,
        resolutionBreaches: breaches.resolution ? 1 : 0,
      };
      return [{ id, doc: { ...base, tickets } }];
    }
    case 'CustomerRegistered':
    case 'CustomerProfileUpdated':
    case 'ContactPointAdded':
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
    case 'CustomerForgotten':
    case 'EmailOpened':
    case 'EmailClicked':
    case 'TicketAssigned':
    case 'TicketNoteAdded':
      return [];
    case 'CallLogged':
    case 'EmailSent':
    case 'EmailReceived':
    case 'ChatCompleted':
    case 'NoteAdded':
    case 'SurveyAnswered': {
      const channel = activityChannel(event) as CountedKind;
      const id = dailyRowId.activity(event.streamId);
      // One interaction per stream: a second event there is not another interaction.
      if (get(id)) return [];
      const base = newRow('activity', at, channel, null, customerId);
      const next: DailyKpiFields = { ...base, ...countInteraction(base, channel) };
      if (event.type !== 'SurveyAnswered') return [{ id, doc: next }];
      const { kind, score } = event.data;
      if (kind === 'csat') {
        return [{ id, doc: { ...next, csat: { count: next.csat.count + 1, satisfied: next.csat.satisfied + (score >= 4 ? 1 : 0) } } }];
      }
      const band = npsClass(score);
      const nps = next.nps;
      return [{
        id,
        doc: {
          ...next,
          nps: {
            count: nps.count + 1,
            promoters: nps.promoters + (band === 'promoter' ? 1 : 0),
            passives: nps.passives + (band === 'passive' ? 1 : 0),
            detractors: nps.detractors + (band === 'detractor' ? 1 : 0),
          },
        },
      }];
    }
    default:
      return assertUnreachable(event);
  }
}

export const dailyKpisProjection: Projection = {
  name: 'analytics-daily-kpis',
  collections: [
    {
      name: DAILY_KPIS_COLLECTION,
      indexes: [
        { fields: [{ field: 'day', direction: 'asc' }, { field: 'channel', direction: 'asc' }] },
        { fields: [{ field: 'customerId', direction: 'asc' }] },
      ],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isCatalogueEvent(event) ? refsOf(event) : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (!isCatalogueEvent(event)) return [];
    const get = (id: string) => {
      const doc = view.get<DailyKpiDocument>(DAILY_KPIS_COLLECTION, id);
      return doc ? fieldsOf(doc) : undefined;
    };
    return dailyKpiChanges(event, get).map(({ id, doc }) => ({ collection: DAILY_KPIS_COLLECTION, id, doc }));
  },
};
