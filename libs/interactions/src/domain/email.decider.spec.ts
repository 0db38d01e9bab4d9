import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import { emailDecider, type EmailState } from './email.decider';
import type { EmailCommand } from './interaction.commands';
import type { EmailEvent } from './interaction.events';

const spec = DeciderSpecification.for(emailDecider);

const sent: EmailEvent = { type: 'EmailSent', data: { customerId: 'c1', messageId: 'm1', subject: 'Spring sale', campaignId: 'spring' } };
const received: EmailEvent = { type: 'EmailReceived', data: { customerId: 'c1', messageId: 'm2', subject: 'Where is my parcel?' } };
const opened: EmailEvent = { type: 'EmailOpened', data: { customerId: 'c1', messageId: 'm1' } };
const clicked: EmailEvent = { type: 'EmailClicked', data: { customerId: 'c1', messageId: 'm1', url: 'https://shop.example/sale' } };

const active = { customerStatus: 'active', customerId: 'c1' } as const;
const sendEmail: WithCustomerStatus<EmailCommand> = { type: 'SendEmail', ...active, messageId: 'm1', subject: 'Spring sale', campaignId: 'spring' };
const receiveEmail: WithCustomerStatus<EmailCommand> = { type: 'ReceiveEmail', ...active, messageId: 'm2', subject: 'Where is my parcel?' };
const openEmail: WithCustomerStatus<EmailCommand> = { type: 'OpenEmail', ...active, messageId: 'm1' };
const clickEmail: WithCustomerStatus<EmailCommand> = { type: 'ClickEmail', ...active, messageId: 'm1', url: 'https://shop.example/sale' };

function refusalOf(given: readonly EmailEvent[], command: WithCustomerStatus<EmailCommand>): DomainError {
  try {
    emailDecider.decide(command, fold(emailDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('email decider', () => {
  describe('SendEmail', () => {
    it('records a sent email', () => {
      spec.given([]).when(sendEmail).then([sent]);
    });

    it('leaves campaignId out of the event when the command has none', () => {
      spec.given([]).when({ type: 'SendEmail', ...active, messageId: 'm3', subject: 'Receipt' })
        .then([{ type: 'EmailSent', data: { customerId: 'c1', messageId: 'm3', subject: 'Receipt' } }]);
    });

    it('refuses an unknown customer', () => {
      const command = { ...sendEmail, customerStatus: 'unknown' as const };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
      expect(refusalOf([], command).field).toBe('customerId');
    });

    it.each([['sent', sent], ['received', received]] as const)('refuses a message already %s', (_how, first) => {
      const command = { ...sendEmail, messageId: first.data.messageId };
      spec.given([first]).when(command).thenThrows(DomainErrorCode.AlreadyExists, `Email ${first.data.messageId} is already recorded`);
      expect(refusalOf([first], command).field).toBe('messageId');
    });
  });

  describe('ReceiveEmail', () => {
    it('records a received email', () => {
      spec.given([]).when(receiveEmail).then([received]);
    });

    it('refuses an unknown customer', () => {
      spec.given([]).when({ ...receiveEmail, customerStatus: 'unknown' }).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    });

    it.each([['sent', sent], ['received', received]] as const)('refuses a message already %s', (_how, first) => {
      const command = { ...receiveEmail, messageId: first.data.messageId };
      spec.given([first]).when(command).thenThrows(DomainErrorCode.AlreadyExists, `Email ${first.data.messageId} is already recorded`);
      expect(refusalOf([first], command).field).toBe('messageId');
    });
  });

  describe('OpenEmail', () => {
    it('records an open of a sent email', () => {
      spec.given([sent]).when(openEmail).then([opened]);
    });

    it('records every further open', () => {
      spec.given([sent, opened, clicked]).when(openEmail).then([opened]);
    });

    it('refuses an email that was never sent', () => {
      spec.given([]).when(openEmail).thenThrows(DomainErrorCode.NotFound, 'Email m1 was never sent or received');
      expect(refusalOf([], openEmail).field).toBe('messageId');
    });

    it('refuses an email the customer sent us: no tracking of ours (it was recorded)', () => {
      spec.given([received]).when({ ...openEmail, messageId: 'm2' }).thenThrows(DomainErrorCode.RuleViolated, 'Email m2 was received from the customer: opens and clicks are tracked on emails sent to the customer');
      expect(refusalOf([received], { ...openEmail, messageId: 'm2' }).field).toBe('messageId');
    });

    it("refuses another customer's email", () => {
      const command = { ...openEmail, customerId: 'c2' };
      spec.given([sent]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'belongs to another customer');
      expect(refusalOf([sent], command).field).toBe('customerId');
    });

    it('refuses an unknown customer', () => {
      const command = { ...openEmail, customerStatus: 'unknown' as const };
      spec.given([sent]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
      expect(refusalOf([sent], command).field).toBe('customerId');
    });
  });

  describe('ClickEmail', () => {
    it('records a click in a sent email', () => {
      spec.given([sent, opened]).when(clickEmail).then([clicked]);
    });

    it('refuses an email that was never sent', () => {
      spec.given([]).when(clickEmail).thenThrows(DomainErrorCode.NotFound, 'Email m1 was never sent or received');
      expect(refusalOf([], clickEmail).field).toBe('messageId');
    });

    it('refuses an email the customer sent us: no tracking of ours (it was recorded)', () => {
      spec.given([received]).when({ ...clickEmail, messageId: 'm2' }).thenThrows(DomainErrorCode.RuleViolated, 'opens and clicks are tracked on emails sent to the customer');
      expect(refusalOf([received], { ...clickEmail, messageId: 'm2' }).field).toBe('messageId');
    });

    it("refuses another customer's email", () => {
      const command = { ...clickEmail, customerId: 'c2' };
      spec.given([sent]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'belongs to another customer');
      expect(refusalOf([sent], command).field).toBe('customerId');
    });

    it('refuses an unknown customer', () => {
      spec.given([sent]).when({ ...clickEmail, customerStatus: 'unknown' }).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    });
  });

  describe('evolve', () => {
    it('folds a sent email with its opens and clicks', () => {
      const expected: EmailState = { status: 'sent', customerId: 'c1', opens: 2, clicks: 1 };
      expect(fold(emailDecider, [sent, opened, clicked, opened])).toStrictEqual(expected);
    });

    it('folds a received email', () => {
      const expected: EmailState = { status: 'received', customerId: 'c1', opens: 0, clicks: 0 };
      expect(fold(emailDecider, [received])).toStrictEqual(expected);
    });
  });
});
