// How one event reads on a customer's timeline: its channel and a one-line human summary.
// Shared by the `timeline` collection and the 360 view's recent timeline, so both say the same.
import { assertUnreachable, type CatalogueEvent } from './catalogue-event';
import { formatMinor } from '@app/money';

export type TimelineChannel = 'call' | 'email' | 'chat' | 'purchase' | 'survey' | 'note' | 'ticket' | 'profile';

export const TIMELINE_CHANNELS: readonly TimelineChannel[] = ['call', 'email', 'chat', 'purchase', 'survey', 'note', 'ticket', 'profile'];

export function timelineChannel(event: CatalogueEvent): TimelineChannel {
  switch (event.type) {
    case 'CustomerRegistered':
    case 'CustomerProfileUpdated':
    case 'ContactPointAdded':
    case 'ConsentGiven':
    case 'ConsentWithdrawn':
    case 'CustomerForgotten':
      return 'profile';
    case 'CallLogged':
      return 'call';
    case 'EmailSent':
    case 'EmailReceived':
    case 'EmailOpened':
    case 'EmailClicked':
      return 'email';
    case 'ChatCompleted':
      return 'chat';
    case 'PurchaseCompleted':
    case 'PurchaseRefunded':
      return 'purchase';
    case 'SurveyAnswered':
      return 'survey';
    case 'NoteAdded':
      return 'note';
    case 'TicketOpened':
    case 'TicketAssigned':
    case 'TicketReplied':
    case 'TicketResolved':
    case 'TicketReopened':
    case 'TicketClosed':
    case 'TicketNoteAdded':
    case 'TicketPriorityChanged':
      return 'ticket';
    default:
      return assertUnreachable(event);
  }
}

/**
 * Identity and profile changes are on the timeline but are not interactions with the customer;
 * everything else (calls, emails incl. opens and clicks, chats, purchases, refunds, surveys,
 * notes, ticket events) counts as an interaction in the 360 view.
 */
export function isInteraction(channel: TimelineChannel): boolean {
  return channel !== 'profile';
}

export function summarise(event: CatalogueEvent): string {
  switch (event.type) {
    case 'CustomerRegistered': {
      // Names are optional (and older events may lack a profile shape altogether).
      const name = fullName(event.data.profile?.firstName, event.data.profile?.lastName);
      return name === '' ? 'Registered' : `Registered as ${name}`;
    }
    case 'CustomerProfileUpdated':
      return `Profile updated: ${Object.keys(event.data.changes).join(', ')}`;
    case 'ContactPointAdded': {
      const label = sayingOrNothing(event.data.label, (text) => ` (${text})`);
      return `Contact point added: ${event.data.kind} ${event.data.value}${label}`;
    }
    case 'ConsentGiven':
      return `Consent given: ${words(event.data.purpose)} via ${event.data.via}`;
    case 'ConsentWithdrawn':
      return `Consent withdrawn: ${words(event.data.purpose)} via ${event.data.via}`;
    case 'CustomerForgotten':
      return 'Customer forgotten: personal data erased';
    case 'CallLogged':
      return `${capitalise(event.data.direction)} call, ${formatDuration(event.data.durationSeconds)}, ${words(event.data.resolution ?? event.data.connection)}`;
    case 'EmailSent':
      return `Email sent: ${clip(event.data.subject)}`;
    case 'EmailReceived':
      return `Email received: ${clip(event.data.subject)}`;
    case 'EmailOpened':
      return 'Email opened';
    case 'EmailClicked':
      return `Email link clicked: ${clip(event.data.url)}`;
    case 'ChatCompleted':
      return `Chat via ${event.data.channel}, ${plural(event.data.messageCount, 'message')}, ${formatDuration(event.data.durationSeconds)}`;
    case 'PurchaseCompleted': {
      const items = event.data.lines.reduce((sum, line) => sum + line.quantity, 0);
      return `Purchase ${plural(items, 'item')}, ${formatMinor(event.data.totalMinor, event.data.currency)}`;
    }
    case 'PurchaseRefunded': {
      const reason = sayingOrNothing(event.data.reason, (text) => `: ${clip(text)}`);
      return `Refund ${formatMinor(event.data.amountMinor, event.data.currency)} on order ${event.data.orderId}${reason}`;
    }
    case 'SurveyAnswered': {
      const comment = sayingOrNothing(event.data.comment, (text) => `: "${clip(text)}"`);
      return event.data.kind === 'nps'
        ? `NPS ${event.data.score} (${npsClass(event.data.score)})${comment}`
        : `CSAT ${event.data.score}/5${comment}`;
    }
    case 'NoteAdded':
      return `Note: ${clip(event.data.text)}`;
    case 'TicketOpened':
      return `Ticket opened: ${clip(event.data.subject)}`;
    case 'TicketAssigned':
      return `Ticket assigned to ${event.data.agentId}`;
    case 'TicketReplied':
      return `${capitalise(event.data.author)} replied on ticket: ${clip(event.data.body)}`;
    case 'TicketResolved':
      return `Ticket resolved: ${clip(event.data.resolution)}`;
    case 'TicketReopened':
      return `Ticket reopened${sayingOrNothing(event.data.reason, (text) => `: ${clip(text)}`)}`;
    case 'TicketClosed':
      return 'Ticket closed';
    case 'TicketNoteAdded':
      return `Internal note on ticket: ${clip(event.data.body)}`;
    case 'TicketPriorityChanged':
      return `Ticket priority changed from ${event.data.previousPriority} to ${event.data.priority}`;
    default:
      return assertUnreachable(event);
  }
}

export type NpsClass = 'promoter' | 'passive' | 'detractor';

/** The standard NPS bands: 9–10 promoter, 7–8 passive, 0–6 detractor. */
export function npsClass(score: number): NpsClass {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

export function fullName(firstName: string | null | undefined, lastName: string | null | undefined): string {
  return [firstName, lastName].filter((part): part is string => !!part && part.trim() !== '').map((part) => part.trim()).join(' ');
}

/** `312` → `5m 12s`; `45` → `45s`; `3725` → `1h 2m`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

const SUMMARY_TEXT_LIMIT = 80;

/**
 * An optional text as a summary quotes it, trimmed, through `quote`; nothing when it says nothing
 * (empty, or only spaces: a survey comment of "   " read `NPS 7 (passive): ""`, where "" read `NPS 7 (passive)`).
 */
function sayingOrNothing(text: string | null | undefined, quote: (text: string) => string): string {
  const trimmed = text?.trim();
  return trimmed ? quote(trimmed) : '';
}

/** One line, at most SUMMARY_TEXT_LIMIT characters: summaries are for lists, the data holds the rest. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= SUMMARY_TEXT_LIMIT ? line : `${line.slice(0, SUMMARY_TEXT_LIMIT - 1)}…`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function words(code: string): string {
  return code.replace(/_/g, ' ');
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
