// A ticket's conversation in time order: the customer's messages and the agents' replies (what the
// customer sees), internal notes (agents only) and the ticket's steps (assigned, resolved…), kept
// apart by kind so the page can never show a note as if it had been sent.
import type { TicketMessage, TicketNote, TicketStep, TicketView } from './read-models';

export type ThreadItem =
  | { readonly kind: 'message'; readonly at: string; readonly eventId: string; readonly message: TicketMessage }
  | { readonly kind: 'note'; readonly at: string; readonly eventId: string; readonly note: TicketNote }
  | { readonly kind: 'step'; readonly at: string; readonly eventId: string; readonly step: TicketStep };

/** Oldest first; within one instant, in the order the ticket's stream recorded them (event ids sort alike only by chance, so by kind: step, message, note). */
export function threadOf(ticket: Pick<TicketView, 'replies' | 'notes' | 'activity'>): ThreadItem[] {
  const items: ThreadItem[] = [
    ...ticket.activity.map((step): ThreadItem => ({ kind: 'step', at: step.at, eventId: step.eventId, step })),
    ...ticket.replies.map((message): ThreadItem => ({ kind: 'message', at: message.at, eventId: message.eventId, message })),
    ...ticket.notes.map((note): ThreadItem => ({ kind: 'note', at: note.at, eventId: note.eventId, note })),
  ];
  const rank = { step: 0, message: 1, note: 2 } as const;
  // A stable sort keeps each list's own order (the stream's) for equal times.
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : rank[a.kind] - rank[b.kind]));
}
