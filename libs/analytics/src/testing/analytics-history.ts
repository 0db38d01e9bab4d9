// Spec vocabulary for analytics histories: one short call per catalogue event, recorded with
// increasing global positions in the order written (the delivery order).
import type { RecordedEvent } from '@app/event-sourcing';
import { RecordedEventFactory } from '@app/customer-view/projections/testing';
import type { CustomerEvent, CustomerProfile } from '@app/customers/domain/customer.events';
import type { InteractionEvent, SalesChannel } from '@app/interactions/domain/interaction.events';
import type { TicketChannel, TicketEvent } from '@app/tickets/domain/ticket.events';

type CatalogueDomainEvent = CustomerEvent | InteractionEvent | TicketEvent;

export const STANDARD_SLA = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 480 };

export class AnalyticsHistory {
  readonly events: RecordedEvent[] = [];
  private readonly factory = new RecordedEventFactory(2);

  private add(stream: string, at: string, event: CatalogueDomainEvent): this {
    this.events.push(this.factory.record(stream, event, { at }));
    return this;
  }

  registered(customerId: string, at: string, profile: Partial<CustomerProfile> = {}): this {
    return this.add(`customer-${customerId}`, at, {
      type: 'CustomerRegistered',
      data: { customerId, profile: { firstName: 'First', lastName: customerId, ...profile } },
    });
  }

  consent(customerId: string, at: string, purpose: 'profiling' | 'marketing_email', granted: boolean): this {
    return this.add(`customer-${customerId}`, at, { type: granted ? 'ConsentGiven' : 'ConsentWithdrawn', data: { customerId, purpose, via: 'web' } });
  }

  forgotten(customerId: string, at: string): this {
    return this.add(`customer-${customerId}`, at, { type: 'CustomerForgotten', data: { customerId, reason: 'GDPR art. 17', dataKeyId: `key-${customerId}` } });
  }

  profileUpdated(customerId: string, at: string, changes: Partial<CustomerProfile>): this {
    return this.add(`customer-${customerId}`, at, { type: 'CustomerProfileUpdated', data: { customerId, changes } });
  }

  purchase(customerId: string, orderId: string, at: string, totalMinor: number, channel: SalesChannel = 'web', currency = 'EUR'): this {
    return this.add(`order-${orderId}`, at, {
      type: 'PurchaseCompleted',
      data: { customerId, orderId, channel, currency, totalMinor, lines: [{ sku: 'sku', name: 'Item', category: 'misc', quantity: 1, unitPriceMinor: totalMinor }] },
    });
  }

  refund(customerId: string, orderId: string, refundId: string, at: string, amountMinor: number, currency = 'EUR'): this {
    return this.add(`order-${orderId}`, at, { type: 'PurchaseRefunded', data: { customerId, orderId, refundId, amountMinor, currency } });
  }

  call(customerId: string, callId: string, at: string): this {
    return this.add(`call-${callId}`, at, { type: 'CallLogged', data: { customerId, callId, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved' } });
  }

  emailSent(customerId: string, messageId: string, at: string): this {
    return this.add(`email-${messageId}`, at, { type: 'EmailSent', data: { customerId, messageId, subject: 'News' } });
  }

  emailOpened(customerId: string, messageId: string, at: string): this {
    return this.add(`email-${messageId}`, at, { type: 'EmailOpened', data: { customerId, messageId } });
  }

  survey(customerId: string, surveyId: string, at: string, kind: 'nps' | 'csat', score: number): this {
    return this.add(`survey-${surveyId}`, at, { type: 'SurveyAnswered', data: { customerId, surveyId, kind, score } });
  }

  ticketOpened(customerId: string, ticketId: string, at: string, channel: TicketChannel, sla = STANDARD_SLA): this {
    return this.add(`ticket-${ticketId}`, at, {
      type: 'TicketOpened',
      data: { customerId, ticketId, subject: 'Help', channel, priority: 'normal', sla },
    });
  }

  replied(customerId: string, ticketId: string, at: string, author: 'agent' | 'customer'): this {
    return this.add(`ticket-${ticketId}`, at, { type: 'TicketReplied', data: { customerId, ticketId, author, body: '…' } });
  }

  resolved(customerId: string, ticketId: string, at: string): this {
    return this.add(`ticket-${ticketId}`, at, { type: 'TicketResolved', data: { customerId, ticketId, resolution: 'done' } });
  }

  reopened(customerId: string, ticketId: string, at: string): this {
    return this.add(`ticket-${ticketId}`, at, { type: 'TicketReopened', data: { customerId, ticketId } });
  }

  closed(customerId: string, ticketId: string, at: string): this {
    return this.add(`ticket-${ticketId}`, at, { type: 'TicketClosed', data: { customerId, ticketId } });
  }
}

/**
 * Two days of a shop (1–2 March 2024), used by the projection and query specs. The figures the
 * specs expect are worked out by hand in the comments.
 */
export function twoDaysOfShop(): AnalyticsHistory {
  return new AnalyticsHistory()
    .registered('c-1', '2024-02-01T09:00:00Z', { country: 'de' })
    .registered('c-2', '2024-02-01T09:00:00Z', { country: 'FR' })
    // 1 March, web EUR: o-1 50.00 (c-1) and o-3 70.00 (c-2); web USD: o-4 20.00; app EUR: o-2 30.00,
    // placed at 01:30 on 2 March in +02:00, which is 23:30 UTC on 1 March.
    .purchase('c-1', 'o-1', '2024-03-01T10:00:00Z', 5000, 'web')
    .purchase('c-1', 'o-2', '2024-03-02T01:30:00+02:00', 3000, 'app')
    .purchase('c-2', 'o-3', '2024-03-01T12:00:00Z', 7000, 'web')
    .purchase('c-2', 'o-4', '2024-03-01T13:00:00Z', 2000, 'web', 'USD')
    // 2 March: 10.00 of o-1 (a web order) refunded.
    .refund('c-1', 'o-1', 'r-1', '2024-03-02T09:00:00Z', 1000)
    // 1 March: two calls and one email sent (the open is not an interaction).
    .call('c-1', 'k-1', '2024-03-01T08:00:00Z')
    .call('c-1', 'k-2', '2024-03-01T15:00:00Z')
    .emailSent('c-1', 'm-1', '2024-03-01T07:00:00Z')
    .emailOpened('c-1', 'm-1', '2024-03-01T07:05:00Z')
    // 2 March surveys: NPS 9 (promoter) and 6 (detractor) → NPS 0; CSAT 5 and 3 → 50 % satisfied.
    .survey('c-1', 's-1', '2024-03-02T10:00:00Z', 'nps', 9)
    .survey('c-2', 's-2', '2024-03-02T11:00:00Z', 'nps', 6)
    .survey('c-1', 's-3', '2024-03-02T12:00:00Z', 'csat', 5)
    .survey('c-2', 's-4', '2024-03-02T13:00:00Z', 'csat', 3)
    // T-1 (email, targets 60/480 min): agent reply after 30 min, resolved after 120 min on 1 March:
    // no breach, one agent reply → first-contact resolution.
    .ticketOpened('c-2', 'T-1', '2024-03-01T08:00:00Z', 'email')
    .replied('c-2', 'T-1', '2024-03-01T08:30:00Z', 'agent')
    .resolved('c-2', 'T-1', '2024-03-01T10:00:00Z')
    .closed('c-2', 'T-1', '2024-03-01T11:00:00Z')
    // T-2 (chat): customer reply, agent replies after 90 (late) and 120 min, resolved on 2 March at
    // 09:00 after 1440 min (late): two breaches, two agent replies → not first-contact.
    .ticketOpened('c-2', 'T-2', '2024-03-01T09:00:00Z', 'chat')
    .replied('c-2', 'T-2', '2024-03-01T09:10:00Z', 'customer')
    .replied('c-2', 'T-2', '2024-03-01T10:30:00Z', 'agent')
    .replied('c-2', 'T-2', '2024-03-01T11:00:00Z', 'agent')
    .resolved('c-2', 'T-2', '2024-03-02T09:00:00Z')
    // T-3 (email, 2 March): resolved after 120 min without any reply, past the 60-min first-response
    // target → first-response breach; reopened, so not first-contact; the second resolve counts nothing.
    .ticketOpened('c-1', 'T-3', '2024-03-02T08:00:00Z', 'email')
    .resolved('c-1', 'T-3', '2024-03-02T10:00:00Z')
    .reopened('c-1', 'T-3', '2024-03-02T11:00:00Z')
    .resolved('c-1', 'T-3', '2024-03-02T12:00:00Z');
}
