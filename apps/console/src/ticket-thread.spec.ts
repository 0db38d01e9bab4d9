import type { TicketView } from './read-models';
import { threadOf } from './ticket-thread';

const actor = { type: 'agent', id: 'k1', name: 'Ada Lovelace' };

describe('a ticket thread', () => {
  it('puts messages, internal notes and steps in time order, each kept as its kind', () => {
    const ticket: Pick<TicketView, 'replies' | 'notes' | 'activity'> = {
      activity: [
        { eventId: 'e1', kind: 'opened', at: '2026-11-20T09:00:00.000Z', actor, detail: null },
        { eventId: 'e5', kind: 'resolved', at: '2026-11-20T11:00:00.000Z', actor, detail: 'Resent' },
      ],
      replies: [
        { eventId: 'e2', author: 'customer', authorId: null, body: 'Where is it?', at: '2026-11-20T09:00:00.000Z', actor },
        { eventId: 'e4', author: 'agent', authorId: 'k1', body: 'On its way', at: '2026-11-20T10:30:00.000Z', actor },
      ],
      notes: [{ eventId: 'e3', body: 'Carrier lost it', at: '2026-11-20T10:00:00.000Z', actor }],
    };
    expect(threadOf(ticket).map((item) => [item.kind, item.eventId])).toEqual([
      ['step', 'e1'], ['message', 'e2'], ['note', 'e3'], ['message', 'e4'], ['step', 'e5'],
    ]);
  });
});
