// The commands an agent runs from the customer page. Each form keeps one client-side id per draft
// (callId, noteId, ticketId, redemptionId) until the command succeeds, so re-sending after a lost
// answer is recognised by the server as the same command instead of recording it twice.
import type { ChronicleApi, CommandOutcome } from './api-client';
import { CommandForm, type FormValues } from './command-form';
import { h } from './element';
import type { TicketView } from './read-models';

/** Runs after a command succeeded: reloads the page's reads at `position` (read-your-writes). */
export type Committed = (position: number, ticketId?: string) => Promise<void>;

export interface ActionContext {
  readonly api: ChronicleApi;
  readonly customerId: string;
  readonly agentId: string;
  readonly committed: Committed;
  /** Says a result on the page's own live region too (a ticket's forms vanish when it is resolved). */
  readonly announce: (message: string) => void;
}

export function newId(prefix: string): string {
  const random = typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}-${random}`;
}

/** One id per draft: kept across failed attempts, renewed after a success. */
function draftId(prefix: string): { current(): string; done(): void } {
  let id = newId(prefix);
  return { current: () => id, done: () => { id = newId(prefix); } };
}

function optional(key: string, value: string): Record<string, string> {
  return value === '' ? {} : { [key]: value };
}

function integer(value: string): number | string {
  // Sent as typed when it is not a whole number, so the API's own validation message names the field.
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

async function run(ctx: ActionContext, id: { done(): void }, send: () => Promise<CommandOutcome>, what: string, ticketId?: string): Promise<string> {
  const outcome = await send();
  id.done();
  await ctx.committed(outcome.position, ticketId);
  const message = outcome.replayed ? `${what} (already recorded earlier).` : `${what}.`;
  ctx.announce(message);
  return message;
}

export function logCallForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-call');
  return new CommandForm({
    title: 'Log a call',
    submitLabel: 'Log call',
    fields: [
      { name: 'direction', label: 'Direction', kind: 'select', options: ['inbound', 'outbound'], value: 'inbound' },
      // Schema v2 of CallLogged: whether the customer was reached, and (only then) what became of it.
      { name: 'connection', label: 'Connection', kind: 'select', options: ['answered', 'busy', 'no_answer', 'voicemail'], value: 'answered' },
      { name: 'resolution', label: 'Resolution (answered calls)', kind: 'select', options: ['resolved', 'follow_up', 'transferred', 'none'], value: 'resolved' },
      { name: 'durationSeconds', label: 'Duration (seconds)', kind: 'number', required: true, min: 0 },
      { name: 'summary', label: 'Summary', kind: 'textarea' },
    ],
    submit: (v: FormValues) => run(ctx, id, () => ctx.api.post('/interactions/calls', {
      customerId: ctx.customerId, callId: id.current(), agentId: ctx.agentId, direction: v.direction,
      connection: v.connection, resolution: v.resolution === 'none' ? null : v.resolution,
      durationSeconds: integer(v.durationSeconds), ...optional('summary', v.summary),
    }), 'Call logged'),
  });
}

export function addNoteForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-note');
  return new CommandForm({
    title: 'Add a note',
    submitLabel: 'Add note',
    fields: [{ name: 'text', label: 'Note', kind: 'textarea', required: true }],
    submit: (v) => run(ctx, id, () => ctx.api.post('/interactions/notes', { customerId: ctx.customerId, noteId: id.current(), authorId: ctx.agentId, text: v.text }), 'Note added'),
  });
}

export function openTicketForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-ticket');
  return new CommandForm({
    title: 'Open a ticket',
    submitLabel: 'Open ticket',
    fields: [
      { name: 'subject', label: 'Subject', required: true },
      { name: 'channel', label: 'Channel', kind: 'select', options: ['phone', 'email', 'chat', 'web', 'store'], value: 'phone' },
      { name: 'priority', label: 'Priority', kind: 'select', options: ['low', 'normal', 'high', 'urgent'], value: 'normal' },
    ],
    submit: (v) => {
      const ticketId = id.current();
      return run(ctx, id, () => ctx.api.post('/tickets', { customerId: ctx.customerId, ticketId, subject: v.subject, channel: v.channel, priority: v.priority }), `Ticket ${ticketId} opened`, ticketId);
    },
  });
}

export function redeemPointsForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-redemption');
  return new CommandForm({
    title: 'Redeem points',
    submitLabel: 'Redeem',
    fields: [
      { name: 'points', label: 'Points', kind: 'number', required: true, min: 1 },
      { name: 'reason', label: 'Reason', required: true, value: 'voucher' },
    ],
    submit: (v) => run(ctx, id, () => ctx.api.post(`/customers/${encodeURIComponent(ctx.customerId)}/loyalty/redemptions`, { redemptionId: id.current(), points: integer(v.points), reason: v.reason }), `${v.points} points redeemed`),
  });
}

/** Reply and resolve, for one open ticket; tucked in a disclosure so the list stays short. */
export function ticketActions(ctx: ActionContext, ticket: TicketView): HTMLElement {
  const path = `/tickets/${encodeURIComponent(ticket.ticketId)}`;
  const reply = new CommandForm({
    title: 'Reply',
    submitLabel: 'Send reply',
    fields: [{ name: 'body', label: 'Reply to the customer', kind: 'textarea', required: true }],
    submit: (v) => run(ctx, { done: () => undefined }, () => ctx.api.post(`${path}/replies`, { author: 'agent', authorId: ctx.agentId, body: v.body }), 'Reply sent', ticket.ticketId),
  });
  const resolve = new CommandForm({
    title: 'Resolve',
    submitLabel: 'Resolve ticket',
    fields: [{ name: 'resolution', label: 'Resolution', required: true }],
    submit: (v) => run(ctx, { done: () => undefined }, () => ctx.api.post(`${path}/resolve`, { resolution: v.resolution }), 'Ticket resolved', ticket.ticketId),
  });
  return h('details', { class: 'ticket-actions' }, h('summary', {}, `Reply or resolve ${ticket.ticketId}`), reply.element, resolve.element);
}
