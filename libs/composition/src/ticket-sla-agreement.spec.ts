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

function history(reply: keyof typeof REPLY, path: Path, leave: keyof typeof LEAVE) {
  const factory = new RecordedEventFactory();
  const d = { customerId: C, ticketId: 't-old' };
  const record = (at: string, event: TicketEvent) => factory.record('ticket-t-old', event, { at, actor: helpdesk });
  const events = [record('2024-04-01T10:00:00Z', { type: 'TicketOpened', data: { ...d, subject: 'Ignored', channel: 'web', priority: 'normal', sla } })];
  const repliedAt = REPLY[reply];
  if (repliedAt !== null) events.push(record(repliedAt, { type: 'TicketReplied', data: { ...d, author: 'agent', body: 'Looking' } }));
  const at = LEAVE[leave];
  // What happens after the ticket first left the open state, days later, is never judged.
  const later = '2024-04-09T09:00:00Z';
  if (path === 'close') events.push(record(at, { type: 'TicketClosed', data: d }));
  else events.push(record(at, { type: 'TicketResolved', data: { ...d, resolution: 'Done' } }));
  if (path === 'resolve, reopen, close') {
    events.push(record(later, { type: 'TicketReopened', data: d }), record(later, { type: 'TicketClosed', data: d }));
  }
  if (path === 'resolve, close') events.push(record(later, { type: 'TicketClosed', data: d }));
  return events;
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

  it('counts a ticket closed unresolved apart from the resolved ones', () => {
    const harness = new ProjectionHarness([customer360Projection, dailyKpisProjection]).run(history('never', 'close', 'late'));
    const rows = harness.all<DailyKpiDocument>(DAILY_KPIS_COLLECTION);
    expect(rows.map((row) => [row.rowKind, row.tickets.resolved, row.tickets.closedUnresolved]).sort()).toEqual([['ticket-closed', 0, 1], ['ticket-opened', 0, 0]]);
    expect(harness.get<Customer360Document>(CUSTOMER_360_COLLECTION, C)?.tickets).toMatchObject({ open: 0, resolved: 0, meanResolutionMinutes: null, openTickets: {} });
  });
});
