import { ProjectionHarness, RecordedEventFactory } from '@app/customer-view/projections/testing';
import type { SlaPolicy, TicketEvent } from '../domain/ticket.events';
import type { Actor } from '@app/event-sourcing';
import { NO_DUE_TIME, TICKET_REPLIES_KEPT, TICKETS_COLLECTION, ticketProjection, type TicketDocument } from './ticket.projection';

const C = 'c-1';
const standard: SlaPolicy = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 480 };

const helpdesk: Actor = { type: 'service', id: 'k-helpdesk', name: 'Helpdesk', role: 'ingest' };
const ada: Actor = { type: 'agent', id: 'k-ada', name: 'Ada Lovelace', role: 'support' };

function ticket(ticketId: string) {
  const factory = new RecordedEventFactory();
  const record = (at: string, event: TicketEvent, actor: Actor = helpdesk) => factory.record(`ticket-${ticketId}`, event, { at, actor });
  const d = { customerId: C, ticketId };
  return {
    opened: (at: string, sla = standard) =>
      record(at, { type: 'TicketOpened', data: { ...d, subject: 'Wrong size', channel: 'email', priority: 'high', sla } }),
    assigned: (at: string, agentId: string) => record(at, { type: 'TicketAssigned', data: { ...d, agentId } }),
    replied: (at: string, author: 'agent' | 'customer', body: string, authorId?: string, actor?: Actor) =>
      record(at, { type: 'TicketReplied', data: { ...d, author, body, authorId } }, actor),
    resolved: (at: string, resolution: string) => record(at, { type: 'TicketResolved', data: { ...d, resolution } }),
    reopened: (at: string) => record(at, { type: 'TicketReopened', data: { ...d, reason: 'not fixed' } }),
    closed: (at: string) => record(at, { type: 'TicketClosed', data: d }),
    noted: (at: string, body: string, actor = ada) => record(at, { type: 'TicketNoteAdded', data: { ...d, body } }, actor),
    reprioritised: (at: string, from: 'low' | 'normal' | 'high' | 'urgent', to: 'low' | 'normal' | 'high' | 'urgent', sla: SlaPolicy, actor = ada) =>
      record(at, { type: 'TicketPriorityChanged', data: { ...d, priority: to, previousPriority: from, sla } }, actor),
  };
}

function project(events: Parameters<ProjectionHarness['run']>[0], ticketId: string): TicketDocument {
  const doc = new ProjectionHarness([ticketProjection]).run(events).get<TicketDocument>(TICKETS_COLLECTION, ticketId);
  if (!doc) throw new Error(`no ticket ${ticketId}`);
  return doc;
}

describe('ticket projection', () => {
  it('follows a ticket answered and resolved within its SLA, then closed', () => {
    const t = ticket('T-1');
    const doc = project(
      [
        t.opened('2024-04-01T10:00:00Z'),
        t.assigned('2024-04-01T10:05:00Z', 'agent-7'),
        t.replied('2024-04-01T10:10:00Z', 'customer', 'Any news?', 'shop-1001'),
        t.replied('2024-04-01T10:45:00Z', 'agent', 'Sending a new one', 'agent-7', ada),
        t.resolved('2024-04-01T15:30:00Z', 'Exchanged'),
        t.closed('2024-04-02T09:00:00Z'),
      ],
      'T-1',
    );
    expect(doc).toEqual({
      id: 'T-1',
      lastPosition: 6,
      ticketId: 'T-1',
      customerId: C,
      subject: 'Wrong size',
      customerForgottenAt: null,
      channel: 'email',
      priority: 'high',
      sla: standard,
      status: 'closed',
      assigneeId: 'agent-7',
      openedAt: '2024-04-01T10:00:00.000Z',
      firstResponseAt: '2024-04-01T10:45:00.000Z',
      firstResponseDueAt: '2024-04-01T11:00:00.000Z',
      resolutionDueAt: '2024-04-01T18:00:00.000Z',
      resolvedAt: '2024-04-01T15:30:00.000Z',
      firstResolvedAt: '2024-04-01T15:30:00.000Z',
      resolutionMinutes: 330,
      closedAt: '2024-04-02T09:00:00.000Z',
      // Settled by the resolve: the close a day later is not judged again.
      slaSettledAt: '2024-04-01T15:30:00.000Z',
      reopenCount: 0,
      replies: [
        {
          eventId: '00000000-0000-4000-8000-000000000003', author: 'customer', authorId: 'shop-1001', body: 'Any news?', at: '2024-04-01T10:10:00.000Z',
          actor: { type: 'service', id: 'k-helpdesk', name: 'Helpdesk' },
        },
        {
          eventId: '00000000-0000-4000-8000-000000000004', author: 'agent', authorId: 'agent-7', body: 'Sending a new one', at: '2024-04-01T10:45:00.000Z',
          actor: { type: 'agent', id: 'k-ada', name: 'Ada Lovelace' },
        },
      ],
      replyCount: 2,
      notes: [],
      noteCount: 0,
      activity: [
        { eventId: '00000000-0000-4000-8000-000000000001', kind: 'opened', at: '2024-04-01T10:00:00.000Z', actor: { type: 'service', id: 'k-helpdesk', name: 'Helpdesk' }, detail: null },
        { eventId: '00000000-0000-4000-8000-000000000002', kind: 'assigned', at: '2024-04-01T10:05:00.000Z', actor: { type: 'service', id: 'k-helpdesk', name: 'Helpdesk' }, detail: 'agent-7' },
        { eventId: '00000000-0000-4000-8000-000000000005', kind: 'resolved', at: '2024-04-01T15:30:00.000Z', actor: { type: 'service', id: 'k-helpdesk', name: 'Helpdesk' }, detail: 'Exchanged' },
        { eventId: '00000000-0000-4000-8000-000000000006', kind: 'closed', at: '2024-04-02T09:00:00.000Z', actor: { type: 'service', id: 'k-helpdesk', name: 'Helpdesk' }, detail: null },
      ],
      lastActivityAt: '2024-04-02T09:00:00.000Z',
      nextDueAt: null,
      dueSort: NO_DUE_TIME,
      priorityRank: 1,
      breaches: { firstResponse: false, resolution: false },
      resolution: 'Exchanged',
    });
  });

  it('records a late first agent reply and a late first resolve as breaches; a reopen clears the resolution', () => {
    const t = ticket('T-2');
    const doc = project(
      [
        t.opened('2024-04-02T09:00:00Z'),
        t.replied('2024-04-02T11:00:00Z', 'agent', 'Sorry for the wait'),
        t.resolved('2024-04-02T19:00:00Z', 'Replacement sent'),
        t.reopened('2024-04-03T08:00:00Z'),
      ],
      'T-2',
    );
    expect(doc).toMatchObject({
      status: 'open',
      reopenCount: 1,
      resolvedAt: null,
      resolution: null,
      firstResolvedAt: '2024-04-02T19:00:00.000Z',
      resolutionMinutes: 600,
      breaches: { firstResponse: true, resolution: true },
    });
  });

  it('counts a resolve without any agent reply after the first-response target as a first-response breach', () => {
    const t = ticket('T-3');
    const doc = project(
      [t.opened('2024-04-03T08:00:00Z', { name: 'vip', firstResponseMinutes: 30, resolutionMinutes: 240 }), t.resolved('2024-04-03T09:00:00Z', 'Password reset')],
      'T-3',
    );
    expect(doc).toMatchObject({ status: 'resolved', firstResponseAt: null, resolutionMinutes: 60, breaches: { firstResponse: true, resolution: false } });
  });

  it('measures SLA and resolution time against the first resolve only', () => {
    const t = ticket('T-4');
    const doc = project(
      [
        t.opened('2024-04-04T08:00:00Z'),
        t.replied('2024-04-04T08:20:00Z', 'agent', 'Looking into it'),
        t.resolved('2024-04-04T09:00:00Z', 'Fixed'),
        t.reopened('2024-04-05T08:00:00Z'),
        t.resolved('2024-04-06T08:00:00Z', 'Really fixed'),
      ],
      'T-4',
    );
    expect(doc).toMatchObject({
      status: 'resolved',
      resolvedAt: '2024-04-06T08:00:00.000Z',
      resolution: 'Really fixed',
      firstResolvedAt: '2024-04-04T09:00:00.000Z',
      resolutionMinutes: 60,
      breaches: { firstResponse: false, resolution: false },
    });
  });

  it('treats a reply and a resolve exactly at their due times as on time', () => {
    const t = ticket('T-7');
    const doc = project(
      [t.opened('2024-04-01T10:00:00Z'), t.replied('2024-04-01T11:00:00Z', 'agent', 'Here'), t.resolved('2024-04-01T18:00:00Z', 'Done')],
      'T-7',
    );
    expect(doc.breaches).toEqual({ firstResponse: false, resolution: false });
  });

  it('keeps the last 100 replies but counts them all', () => {
    const t = ticket('T-5');
    const events = [t.opened('2024-04-01T00:00:00Z')];
    for (let i = 1; i <= 105; i++) {
      events.push(t.replied(new Date(Date.UTC(2024, 3, 1, 1, i)).toISOString(), i % 2 ? 'customer' : 'agent', `reply ${i}`));
    }
    const doc = project(events, 'T-5');
    expect(doc.replyCount).toBe(105);
    expect(doc.replies).toHaveLength(TICKET_REPLIES_KEPT);
    expect(doc.replies[0].body).toBe('reply 6');
    expect(doc.replies[99].body).toBe('reply 105');
    // First agent reply is reply 2, 62 minutes after opening: late for a 60-minute target.
    expect(doc.firstResponseAt).toBe('2024-04-01T01:02:00.000Z');
    expect(doc.breaches.firstResponse).toBe(true);
  });

  it('touches only ticket events, by ticket id, and declares its indexes', () => {
    const t = ticket('T-6');
    expect(ticketProjection.touches(t.opened('2024-04-01T00:00:00Z'))).toEqual([{ collection: 'tickets', id: 'T-6' }]);
    const note = new RecordedEventFactory().record('note-n1', { type: 'NoteAdded', data: { customerId: C, noteId: 'n1', text: 'x', authorId: 'a' } }, { at: '2024-04-01T00:00:00Z' });
    expect(ticketProjection.touches(note)).toEqual([]);
    expect(ticketProjection.collections[0].indexes.map((index) => index.fields.map((f) => `${f.field}:${f.direction}`).join(','))).toEqual([
      'customerId:asc,openedAt:desc',
      'status:asc,resolutionDueAt:asc',
      'status:asc,assigneeId:asc,dueSort:asc,priorityRank:asc,openedAt:asc',
      'status:asc,dueSort:asc,priorityRank:asc',
      'lastPosition:asc',
    ]);
  });

  it('keeps internal notes apart from the replies, each with the agent who wrote it', () => {
    const t = ticket('T-8');
    const doc = project([
      t.opened('2024-04-01T10:00:00Z'),
      t.replied('2024-04-01T10:10:00Z', 'customer', 'Where is my parcel?'),
      t.noted('2024-04-01T10:12:00Z', 'Carrier says it was lost: resend, do not refund'),
      t.replied('2024-04-01T10:20:00Z', 'agent', 'We are sending a new one', undefined, ada),
    ], 'T-8');
    expect(doc.replies.map((r) => r.body)).toEqual(['Where is my parcel?', 'We are sending a new one']);
    expect(doc.replyCount).toBe(2);
    expect(doc.notes).toEqual([{
      eventId: '00000000-0000-4000-8000-000000000003', body: 'Carrier says it was lost: resend, do not refund', at: '2024-04-01T10:12:00.000Z',
      actor: { type: 'agent', id: 'k-ada', name: 'Ada Lovelace' },
    }]);
    expect(doc.noteCount).toBe(1);
    // A note is not a response: the first response is the agent's reply.
    expect(doc.firstResponseAt).toBe('2024-04-01T10:20:00.000Z');
    expect(doc.lastActivityAt).toBe('2024-04-01T10:20:00.000Z');
  });

  it('moves the due times with a priority change, from the opening, and keeps verdicts already given', () => {
    const t = ticket('T-9');
    const urgent: SlaPolicy = { name: 'default-urgent', firstResponseMinutes: 30, resolutionMinutes: 240 };
    const doc = project([
      t.opened('2024-04-01T10:00:00Z'),
      t.replied('2024-04-01T10:45:00Z', 'agent', 'On it'),
      t.reprioritised('2024-04-01T11:00:00Z', 'high', 'urgent', urgent),
    ], 'T-9');
    expect(doc).toMatchObject({
      priority: 'urgent', priorityRank: 0, sla: urgent,
      firstResponseDueAt: '2024-04-01T10:30:00.000Z', resolutionDueAt: '2024-04-01T14:00:00.000Z',
      // Answered at 10:45 against the 11:00 target then in force: on time, and it stays so.
      breaches: { firstResponse: false, resolution: false },
      nextDueAt: '2024-04-01T14:00:00.000Z',
    });
    expect(doc.activity.at(-1)).toEqual({
      eventId: '00000000-0000-4000-8000-000000000003', kind: 'priorityChanged', at: '2024-04-01T11:00:00.000Z', actor: { type: 'agent', id: 'k-ada', name: 'Ada Lovelace' }, detail: 'high → urgent',
    });
  });

  it('queues an open ticket by its next deadline: first response, then resolution, none once resolved or reopened', () => {
    const t = ticket('T-10');
    const opened = t.opened('2024-04-01T10:00:00Z', { name: 'long', firstResponseMinutes: 60, resolutionMinutes: 480 });
    const answered = t.replied('2024-04-01T10:30:00Z', 'agent', 'On it');
    const resolved = t.resolved('2024-04-01T12:00:00Z', 'Done');
    const reopened = t.reopened('2024-04-02T09:00:00Z');
    expect(project([opened], 'T-10')).toMatchObject({ nextDueAt: '2024-04-01T11:00:00.000Z', dueSort: '2024-04-01T11:00:00.000Z' });
    expect(project([opened, answered], 'T-10')).toMatchObject({ nextDueAt: '2024-04-01T18:00:00.000Z', dueSort: '2024-04-01T18:00:00.000Z' });
    expect(project([opened, answered, resolved], 'T-10')).toMatchObject({ nextDueAt: null, dueSort: NO_DUE_TIME });
    expect(project([opened, answered, resolved, reopened], 'T-10')).toMatchObject({ status: 'open', nextDueAt: null, dueSort: NO_DUE_TIME });
  });

  it('takes the earlier deadline when a policy puts resolution before first response', () => {
    const t = ticket('T-11');
    const doc = project([t.opened('2024-04-01T10:00:00Z', { name: 'odd', firstResponseMinutes: 120, resolutionMinutes: 60 })], 'T-11');
    expect(doc.nextDueAt).toBe('2024-04-01T11:00:00.000Z');
  });
});
