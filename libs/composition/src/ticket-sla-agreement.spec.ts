// Every read model that counts SLA breaches (the ticket, the customer 360, the daily KPIs behind
// the service analytics) judges a ticket the same way, whichever way it leaves the open state.
import type { Actor } from '@app/event-sourcing';
import { ProjectionHarness, RecordedEventFactory } from '@app/customer-view/projections/testing';
import { CUSTOMER_360_COLLECTION, customer360Projection, type Customer360Document } from '@app/customer-view';
import { DAILY_KPIS_COLLECTION, dailyKpisProjection, type DailyKpiDocument } from '@app/analytics';
import { TICKETS_COLLECTION, ticketProjection, type TicketDocument, type TicketEvent } from '@app/tickets';

const C = 'c-ada';
const helpdesk: Actor = { type: 'service', id: 'k-helpdesk', name: 'Helpdesk', role: 'ingest' };
// Opened 10:00 with first response due 11:00 and resolution due 18:00.
const sla = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 480 };
const REPLY = { never: null, inTime: '2024-04-01T10:30:00Z', late: '2024-04-01T12:00:00Z' } as const;
const LEAVE = { early: '2024-04-01T10:45:00Z', inTime: '2024-04-01T15:00:00Z', late: '2024-04-04T09:00:00Z' } as const;

type Path = 'resolve' | 'close' | 'resolve, reopen, close' | 'resolve, close';

/** A priority change to urgent (first response due 10:15, resolution 12:00 from the opening), and when it comes. */
const urgent = { name: 'urgent', firstResponseMinutes: 15, resolutionMinutes: 120 };
const PRIORITY = { none: null, beforeReply: '2024-04-01T10:10:00Z', afterReply: '2024-04-01T12:30:00Z' } as const;

function history(reply: keyof typeof REPLY, path: Path, leave: keyof typeof LEAVE, priority: keyof typeof PRIORITY = 'none') {
  const factory = new RecordedEventFactory();
  const d = { customerId: C, ticketId: 't-old' };
  const steps: [string, TicketEvent][] = [['2024-04-01T10:00:00Z', { type: 'TicketOpened', data: { ...d, subject: 'Ignored', channel: 'web', priority: 'normal', sla } }]];
  const repliedAt = REPLY[reply];
  if (repliedAt !== null) steps.push([repliedAt, { type: 'TicketReplied', data: { ...d, author: 'agent', body: 'Looking' } }]);
  const at = LEAVE[leave];
  // What happens after the ticket first left the open state, days later, is never judged.
  const later = '2024-04-09T09:00:00Z';
  if (path === 'close') steps.push([at, { type: 'TicketClosed', data: d }]);
  else steps.push([at, { type: 'TicketResolved', data: { ...d, resolution: 'Done' } }]);
  if (path === 'resolve, reopen, close') steps.push([later, { type: 'TicketReopened', data: d }], [later, { type: 'TicketClosed', data: d }]);
  if (path === 'resolve, close') steps.push([later, { type: 'TicketClosed', data: d }]);
  const changedAt = PRIORITY[priority];
  if (changedAt !== null) steps.push([changedAt, { type: 'TicketPriorityChanged', data: { ...d, priority: 'urgent', previousPriority: 'normal', sla: urgent } }]);
  // Recorded in business time order (a stable sort keeps same-instant steps as listed).
  steps.sort(([a], [b]) => Date.parse(a) - Date.parse(b));
  return steps.map(([when, event]) => factory.record('ticket-t-old', event, { at: when, actor: helpdesk }));
}

function verdicts(events: ReturnType<typeof history>) {
  const harness = new ProjectionHarness([ticketProjection, customer360Projection, dailyKpisProjection]).run(events);
  const ticket = harness.get<TicketDocument>(TICKETS_COLLECTION, 't-old');
  const view = harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C);
  const rows = harness.all<DailyKpiDocument>(DAILY_KPIS_COLLECTION);
  const sum = (pick: (row: DailyKpiDocument) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    ticket: ticket?.breaches,
    customer360: { firstResponse: view?.tickets.firstResponseBreaches, resolution: view?.tickets.resolutionBreaches, sla: view?.tickets.slaBreaches },
    dailyKpis: { firstResponse: sum((row) => row.tickets.firstResponseBreaches), resolution: sum((row) => row.tickets.resolutionBreaches) },
  };
}

const cases: [keyof typeof REPLY, keyof typeof LEAVE, boolean, boolean][] = [
  ['never', 'early', false, false],
  ['never', 'inTime', true, false],
  ['never', 'late', true, true],
  ['inTime', 'inTime', false, false],
  ['inTime', 'late', false, true],
  ['late', 'inTime', true, false],
  ['late', 'late', true, true],
];
const paths: Path[] = ['resolve', 'close', 'resolve, reopen, close', 'resolve, close'];

describe('SLA breaches agree across the read models, whichever way a ticket leaves the open state', () => {
  const table = paths.flatMap((path) => cases.map(([reply, leave, fr, res]) => [path, reply, leave, fr, res] as const));
  it.each(table)('%s; reply %s, leaves %s: firstResponse %s, resolution %s', (path, reply, leave, firstResponse, resolution) => {
    const n = (breached: boolean) => (breached ? 1 : 0);
    expect(verdicts(history(reply, path, leave))).toEqual({
      ticket: { firstResponse, resolution },
      customer360: { firstResponse: n(firstResponse), resolution: n(resolution), sla: n(firstResponse) + n(resolution) },
      dailyKpis: { firstResponse: n(firstResponse), resolution: n(resolution) },
    });
  });

  // A change of priority moves the due times from the opening; a verdict already given stays.
  const priorities = (['beforeReply', 'afterReply'] as const).flatMap((priority) => paths.flatMap((path) => cases.map(([reply, leave]) => [priority, path, reply, leave] as const)));
  it.each(priorities)('priority changed %s; %s; reply %s, leaves %s: every model judges as the ticket does', (priority, path, reply, leave) => {
    const seen = verdicts(history(reply, path, leave, priority));
    const n = (breached: boolean | undefined) => (breached ? 1 : 0);
    expect(seen.customer360).toEqual({ firstResponse: n(seen.ticket?.firstResponse), resolution: n(seen.ticket?.resolution), sla: n(seen.ticket?.firstResponse) + n(seen.ticket?.resolution) });
    expect(seen.dailyKpis).toEqual({ firstResponse: n(seen.ticket?.firstResponse), resolution: n(seen.ticket?.resolution) });
  });

  it('a priority change after an in-time reply keeps that verdict and judges the resolution by the new due time', () => {
    // Replied 10:30 (due 11:00), urgent from 12:30 (resolution due 12:00 from the opening), resolved 15:00.
    expect(verdicts(history('inTime', 'resolve', 'inTime', 'afterReply')).ticket).toEqual({ firstResponse: false, resolution: true });
    // Urgent from 10:10 (first response due 10:15): the 10:30 reply is late.
    expect(verdicts(history('inTime', 'resolve', 'inTime', 'beforeReply')).ticket).toEqual({ firstResponse: true, resolution: true });
  });

  it('counts a ticket closed unresolved apart from the resolved ones', () => {
    const harness = new ProjectionHarness([customer360Projection, dailyKpisProjection]).run(history('never', 'close', 'late'));
    const rows = harness.all<DailyKpiDocument>(DAILY_KPIS_COLLECTION);
    expect(rows.map((row) => [row.rowKind, row.tickets.resolved, row.tickets.closedUnresolved]).sort()).toEqual([['ticket-closed', 0, 1], ['ticket-opened', 0, 0]]);
    expect(harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C)?.tickets).toMatchObject({ open: 0, resolved: 0, meanResolutionMinutes: null, openTickets: {} });
  });
});
