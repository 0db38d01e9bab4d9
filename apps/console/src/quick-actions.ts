// The commands an agent runs from the customer page. Each form keeps one client-side id per draft
// (callId, noteId, ticketId, redemptionId) until the command succeeds, so re-sending after a lost
// answer is recognised by the server as the same command instead of recording it twice. The agent
// is whoever signed in: the API records their key as the actor, and the author fields the API asks
// for carry the same id.
import { newId, type ChronicleApi, type CommandOutcome } from './api-client';
import { CommandForm, type FormValues } from './command-form';
import { counted, parseDuration } from './display-format';
import type { Identity } from './session';

/** Runs after a command succeeded: reloads the page's reads at `position` (read-your-writes). */
export type Committed = (position: number, ticketId?: string) => Promise<void>;

export interface ActionContext {
  readonly api: ChronicleApi;
  readonly customerId: string;
  readonly identity: Identity;
  readonly committed: Committed;
}

/** One id per draft: kept across failed attempts, renewed after a success. */
function draftId(prefix: string): { current(): string; done(): void } {
  let id = newId(prefix);
  return { current: () => id, done: () => { id = newId(prefix); } };
}

function optional(key: string, value: string): Record<string, string> {
  return value === '' ? {} : { [key]: value };
}

function wholeNumber(what: string) {
  return (value: string): string | undefined => (/^\d+$/.test(value) ? undefined : `${what} must be a whole number, like 10.`);
}

/**
 * What to say after a command: `done` when it recorded something; `unchanged`, in plain words, when
 * the API recorded nothing because there was nothing to change (`changed: false`: a consent withdrawn
 * that was never given, a contact point already there). A bare string is a command that always
 * records: nothing changed then means the same draft was already recorded.
 */
export type Outcome = string | { readonly done: string; readonly unchanged: string };

export async function run(ctx: Pick<ActionContext, 'committed'>, send: () => Promise<CommandOutcome>, what: Outcome, ticketId?: string, id?: { done(): void }): Promise<string> {
  const outcome = await send();
  id?.done();
  await ctx.committed(outcome.position, ticketId);
  const done = typeof what === 'string' ? what : what.done;
  if (outcome.changed === false) return `No change: ${typeof what === 'string' ? 'this was already recorded earlier.' : what.unchanged}`;
  return outcome.replayed ? `${done} (already recorded earlier).` : `${done}.`;
}

export function logCallForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-call');
  return new CommandForm({
    key: 'call',
    title: 'Log a call',
    submitLabel: 'Log call',
    fields: [
      { name: 'direction', label: 'Direction', kind: 'select', options: ['inbound', 'outbound'], value: 'inbound' },
      // Schema v2 of CallLogged: whether the customer was reached, and (only then) what became of it.
      { name: 'connection', label: 'Connection', kind: 'select', options: ['answered', 'busy', 'no_answer', 'voicemail'], value: 'answered' },
      { name: 'resolution', label: 'Resolution', kind: 'select', options: ['resolved', 'follow_up', 'transferred'], value: 'resolved', hint: 'Kept only for answered calls' },
      {
        name: 'durationSeconds', label: 'Duration', required: true, inputMode: 'text', hint: 'Seconds (95) or minutes and seconds (1:35)',
        check: (value) => { const parsed = parseDuration(value); return 'problem' in parsed ? parsed.problem : undefined; },
      },
      { name: 'summary', label: 'Summary', kind: 'textarea' },
    ],
    submit: (v: FormValues) => {
      const parsed = parseDuration(v.durationSeconds);
      const seconds = 'seconds' in parsed ? parsed.seconds : 0;
      return run(ctx, () => ctx.api.post('/interactions/calls', {
        customerId: ctx.customerId, callId: id.current(), agentId: ctx.identity.id, direction: v.direction,
        // An unanswered call has no resolution: the field is left out (the API refuses null).
        connection: v.connection, ...(v.connection === 'answered' ? { resolution: v.resolution } : {}),
        durationSeconds: seconds, ...optional('summary', v.summary),
      }), 'Call logged', undefined, id);
    },
  });
}

export function addNoteForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-note');
  return new CommandForm({
    key: 'customer-note',
    title: 'Add a note',
    submitLabel: 'Add note',
    fields: [{ name: 'text', label: 'Note', kind: 'textarea', required: true, rows: 4 }],
    submit: (v) => run(ctx, () => ctx.api.post('/interactions/notes', { customerId: ctx.customerId, noteId: id.current(), authorId: ctx.identity.id, text: v.text }), 'Note added', undefined, id),
  });
}

export function openTicketForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-ticket');
  return new CommandForm({
    key: 'open-ticket',
    title: 'Open a ticket',
    submitLabel: 'Open ticket',
    fields: [
      { name: 'subject', label: 'Subject', required: true },
      { name: 'channel', label: 'Channel', kind: 'select', options: ['phone', 'email', 'chat', 'web', 'store'], value: 'phone' },
      { name: 'priority', label: 'Priority', kind: 'select', options: ['low', 'normal', 'high', 'urgent'], value: 'normal' },
    ],
    submit: (v) => {
      const ticketId = id.current();
      return run(ctx, () => ctx.api.post('/tickets', { customerId: ctx.customerId, ticketId, subject: v.subject, channel: v.channel, priority: v.priority }), `Ticket “${v.subject}” opened`, ticketId, id);
    },
  });
}

export function redeemPointsForm(ctx: ActionContext): CommandForm {
  const id = draftId('console-redemption');
  return new CommandForm({
    key: 'redeem',
    title: 'Redeem points',
    submitLabel: 'Redeem',
    fields: [
      { name: 'points', label: 'Points', required: true, inputMode: 'numeric', check: wholeNumber('Points') },
      { name: 'reason', label: 'Reason', required: true, value: 'voucher' },
    ],
    submit: (v) => run(ctx, () => ctx.api.post(`/customers/${encodeURIComponent(ctx.customerId)}/loyalty/redemptions`, { redemptionId: id.current(), points: Number(v.points), reason: v.reason }), `${counted(Number(v.points), 'point')} redeemed`, undefined, id),
  });
}
