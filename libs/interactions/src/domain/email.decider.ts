// One email message (`email-<messageId>`): sent to or received from the customer once, then, for a
// sent one, any number of opens and clicks tracked for it.
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { ClickEmail, EmailCommand, OpenEmail, ReceiveEmail, SendEmail } from './interaction.commands';
import type { EmailEvent } from './interaction.events';

export type EmailState =
  | { readonly status: 'none' }
  | { readonly status: 'sent' | 'received'; readonly customerId: string; readonly opens: number; readonly clicks: number };

export const emailDecider: Decider<WithCustomerStatus<EmailCommand>, EmailState, EmailEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    assertCustomerRegistered(command);
    switch (command.type) {
      case 'SendEmail':
        return sendEmail(command, state);
      case 'ReceiveEmail':
        return receiveEmail(command, state);
      case 'OpenEmail':
        return openEmail(command, state);
      case 'ClickEmail':
        return clickEmail(command, state);
      default: {
        const unhandled: never = command;
        throw new Error(`Unhandled email command ${JSON.stringify(unhandled)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'EmailSent':
        return { status: 'sent', customerId: event.data.customerId, opens: 0, clicks: 0 };
      case 'EmailReceived':
        return { status: 'received', customerId: event.data.customerId, opens: 0, clicks: 0 };
      case 'EmailOpened':
        return state.status === 'none' ? state : { ...state, opens: state.opens + 1 };
      case 'EmailClicked':
        return state.status === 'none' ? state : { ...state, clicks: state.clicks + 1 };
      default: {
        // Compile-time exhaustiveness; at run time an event type this code does not know is ignored.
        const unknownEvent: never = event;
        void unknownEvent;
        return state;
      }
    }
  },
};

function sendEmail(command: SendEmail, state: EmailState): EmailEvent[] {
  assertFirstEvent(command, state);
  const { customerId, messageId, subject, campaignId } = command;
  return [{ type: 'EmailSent', data: { customerId, messageId, subject, ...(campaignId !== undefined && { campaignId }) } }];
}

function receiveEmail(command: ReceiveEmail, state: EmailState): EmailEvent[] {
  assertFirstEvent(command, state);
  const { customerId, messageId, subject } = command;
  return [{ type: 'EmailReceived', data: { customerId, messageId, subject } }];
}

function openEmail(command: OpenEmail, state: EmailState): EmailEvent[] {
  assertTracksThisCustomer(command, state);
  return [{ type: 'EmailOpened', data: { customerId: command.customerId, messageId: command.messageId } }];
}

function clickEmail(command: ClickEmail, state: EmailState): EmailEvent[] {
  assertTracksThisCustomer(command, state);
  return [{ type: 'EmailClicked', data: { customerId: command.customerId, messageId: command.messageId, url: command.url } }];
}

function assertFirstEvent(command: SendEmail | ReceiveEmail, state: EmailState): void {
  if (state.status !== 'none') throw refuse.alreadyExists(`Email ${command.messageId} is already recorded`, 'messageId');
}

/**
 * Opens and clicks are tracked on an email this customer was sent: one the customer sent us has no
 * tracking of ours, and counting it would inflate the open and click rates of the 360 view and the
 * segments. (The log may hold such opens from before this rule: they still count where they are.)
 */
function assertTracksThisCustomer(command: OpenEmail | ClickEmail, state: EmailState): void {
  if (state.status === 'none') throw refuse.notFound(`Email ${command.messageId} was never sent or received`, 'messageId');
  if (state.customerId !== command.customerId) {
    throw refuse.rule(`Email ${command.messageId} belongs to another customer`, 'customerId');
  }
  if (state.status === 'received') {
    throw refuse.rule(`Email ${command.messageId} was received from the customer: opens and clicks are tracked on emails sent to the customer`, 'messageId');
  }
}
