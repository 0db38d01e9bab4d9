// One event of every type in Chronicle's catalogue (every capability's *_EVENT_TYPES), on its stream,
// with personal values where the type has them: what the topic-contract specs and the CloudEvents
// consumer suite publish. `catalogueTypes()` is the list they check coverage against, so a new event
// type without a sample here fails them.
import type { DomainEvent, NewEvent } from '@app/event-sourcing';
import { CUSTOMER_EVENT_TYPES } from '@app/customers';
import { INTERACTION_EVENT_TYPES } from '@app/interactions';
import { TICKET_EVENT_TYPES } from '@app/tickets';
import { LOYALTY_EVENT_TYPES } from '@app/loyalty';
import { MEMBERSHIP_EVENT_TYPES, SEGMENT_EVALUATION_EVENT_TYPES, SEGMENT_EVENT_TYPES, SEGMENTS_CUSTOMER_ID } from '@app/segments';
import { chronicleEventSchemas } from '../event-schemas';

export interface CatalogueSample {
  readonly streamId: string;
  readonly event: DomainEvent;
}

/** Every event type a store of Chronicle can hold. */
export function catalogueTypes(): readonly string[] {
  return [
    ...CUSTOMER_EVENT_TYPES, ...INTERACTION_EVENT_TYPES, ...TICKET_EVENT_TYPES,
    ...LOYALTY_EVENT_TYPES, ...SEGMENT_EVENT_TYPES, ...SEGMENT_EVALUATION_EVENT_TYPES, ...MEMBERSHIP_EVENT_TYPES,
  ];
}

/** One sample of every catalogue type for customer `customerId` (ids suffixed by `tag` so runs never collide). */
export function catalogueSamples(customerId: string, tag: string): CatalogueSample[] {
  const sla = { name: 'standard', firstResponseMinutes: 60, resolutionMinutes: 600 };
  const line = { sku: 'S-1', name: 'Scarf', category: 'accessories', quantity: 1, unitPriceMinor: 1000 };
  const at = '2026-03-01T10:00:00.000Z';
  const segmentId = `vip-${tag}`;
  const rule = { all: [{ field: 'country', op: 'eq', value: 'DE' }] };
  const sample = (streamId: string, type: string, data: Record<string, unknown>): CatalogueSample => ({ streamId, event: { type, data } });
  const customer = `customer-${customerId}`;
  return [
    sample(customer, 'CustomerRegistered', {
      customerId, externalId: `ext-${tag}`,
      profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', phone: '+4930123456', birthDate: '1990-12-10', city: 'Berlin', country: 'DE', gender: 'female', language: 'en' },
    }),
    sample(customer, 'CustomerProfileUpdated', { customerId, changes: { city: 'Hamburg' } }),
    sample(customer, 'ContactPointAdded', { customerId, kind: 'email', value: 'ada.work@example.org', label: 'work' }),
    sample(customer, 'ConsentGiven', { customerId, purpose: 'marketing_email', via: 'web' }),
    sample(customer, 'ConsentWithdrawn', { customerId, purpose: 'marketing_email', via: 'web' }),
    sample(`call-${tag}`, 'CallLogged', { customerId, callId: tag, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved', summary: 'Asked about the scarf' }),
    sample(`email-${tag}`, 'EmailSent', { customerId, messageId: tag, subject: 'Your order, Ada' }),
    sample(`email-${tag}`, 'EmailOpened', { customerId, messageId: tag }),
    sample(`email-${tag}`, 'EmailClicked', { customerId, messageId: tag, url: 'https://shop.example/track?who=ada' }),
    sample(`email-r${tag}`, 'EmailReceived', { customerId, messageId: `r${tag}`, subject: 'Re: your order' }),
    sample(`chat-${tag}`, 'ChatCompleted', { customerId, chatId: tag, channel: 'web', messageCount: 3, durationSeconds: 60, summary: 'Size question' }),
    sample(`order-${tag}`, 'PurchaseCompleted', { customerId, orderId: tag, channel: 'web', currency: 'EUR', lines: [line], totalMinor: 1000 }),
    sample(`order-${tag}`, 'PurchaseRefunded', { customerId, orderId: tag, refundId: `r-${tag}`, amountMinor: 100, currency: 'EUR', reason: 'Scratched' }),
    sample(`survey-${tag}`, 'SurveyAnswered', { customerId, surveyId: tag, kind: 'nps', score: 9, comment: 'Lovely' }),
    sample(`note-${tag}`, 'NoteAdded', { customerId, noteId: tag, text: 'Prefers mornings', authorId: 'agent-1' }),
    sample(`ticket-${tag}`, 'TicketOpened', { customerId, ticketId: tag, subject: 'Broken zip', channel: 'email', priority: 'low', sla }),
    sample(`ticket-${tag}`, 'TicketAssigned', { customerId, ticketId: tag, agentId: 'agent-1' }),
    sample(`ticket-${tag}`, 'TicketReplied', { customerId, ticketId: tag, author: 'agent', body: 'Sending a new one' }),
    sample(`ticket-${tag}`, 'TicketNoteAdded', { customerId, ticketId: tag, body: 'Courier booked' }),
    sample(`ticket-${tag}`, 'TicketPriorityChanged', { customerId, ticketId: tag, priority: 'urgent', previousPriority: 'low', sla }),
    sample(`ticket-${tag}`, 'TicketResolved', { customerId, ticketId: tag, resolution: 'Replaced' }),
    sample(`ticket-${tag}`, 'TicketReopened', { customerId, ticketId: tag, reason: 'Wrong colour' }),
    sample(`ticket-${tag}`, 'TicketClosed', { customerId, ticketId: tag }),
    sample(`loyalty-${customerId}`, 'PointsEarned', {
      customerId, orderId: tag, lotId: `lot-${tag}`, points: 10,
      basis: { amountMinor: 1000, currency: 'EUR', categories: { accessories: 1000 }, tier: 'bronze', tierMultiplier: 1 },
      earnedAt: at, expiresAt: '2027-03-01T10:00:00.000Z', settledDeficit: 0,
    }),
    sample(`loyalty-${customerId}`, 'PointsReversed', { customerId, orderId: tag, refundId: `r-${tag}`, refundedMinor: 100, points: 1, consumed: [{ lotId: `lot-${tag}`, points: 1 }], deficit: 0, reversedAt: at }),
    sample(`loyalty-${customerId}`, 'PointsRedeemed', { customerId, redemptionId: `red-${tag}`, points: 2, reason: 'Voucher for Ada', consumed: [{ lotId: `lot-${tag}`, points: 2 }], redeemedAt: at }),
    sample(`loyalty-${customerId}`, 'PointsExpired', { customerId, asOf: at, points: 1, lots: [{ lotId: `lot-${tag}`, points: 1, earnedAt: at, expiresAt: at }] }),
    sample(`loyalty-${customerId}`, 'PointsAdjusted', { customerId, adjustmentId: `adj-${tag}`, points: 5, reason: 'Goodwill, call with Ada', lotId: `lot-a-${tag}`, expiresAt: '2027-03-01T10:00:00.000Z', consumed: [], settledDeficit: 0, adjustedAt: at }),
    sample(`loyalty-${customerId}`, 'TierChanged', { customerId, from: 'bronze', to: 'silver', direction: 'up', reason: 'purchase', rolling12mSpendMinor: 100000, thresholdMinor: 50000, changedAt: at }),
    sample(`segment-${segmentId}`, 'SegmentDefined', { customerId: SEGMENTS_CUSTOMER_ID, segmentId, name: 'VIP', description: 'Germany', rule, purpose: 'marketing_email' }),
    sample(`segment-${segmentId}`, 'SegmentRuleChanged', { customerId: SEGMENTS_CUSTOMER_ID, segmentId, rule: { all: [{ field: 'country', op: 'in', value: ['DE', 'AT'] }] } }),
    sample(`segment-${segmentId}`, 'SegmentEvaluated', { customerId: SEGMENTS_CUSTOMER_ID, segmentId, definitionEventId: '5f0c2a44-2b1e-4c8e-9a57-0b9f6b1d2e3f', evaluated: 120, entered: 7, left: 2, at }),
    sample(`segmentmembership-${customerId}`, 'CustomerEnteredSegment', { customerId, segmentId, at, reason: 'segment-defined' }),
    sample(`segmentmembership-${customerId}`, 'CustomerLeftSegment', { customerId, segmentId, at, reason: 'segment-archived' }),
    sample(`segment-${segmentId}`, 'SegmentArchived', { customerId: SEGMENTS_CUSTOMER_ID, segmentId }),
    // Last: nothing of this customer's may follow a forget.
    sample(customer, 'CustomerForgotten', { customerId, reason: 'erasure request', dataKeyId: null }),
  ];
}

/**
 * The samples as events ready to append, in their current schema version, with ids derived from `tag`
 * and every other one carrying the optional envelope fields (onBehalfOf, idempotencyKey, a causation),
 * so both shapes of the envelope occur in every area.
 */
export function catalogueEvents(customerId: string, tag: string): { readonly streamId: string; readonly event: NewEvent }[] {
  return catalogueSamples(customerId, tag).map(({ streamId, event }, index) => {
    const full = index % 2 === 0;
    return {
      streamId,
      event: {
        eventId: `${tag}-${index}`,
        type: event.type,
        data: event.data,
        metadata: {
          customerId: (event.data as { customerId: string }).customerId,
          schemaVersion: chronicleEventSchemas.currentVersion(event.type),
          occurredAt: new Date(Date.UTC(2026, 2, 1, 10, index)).toISOString(),
          actor: full ? { type: 'service', id: 'key-1', name: 'shop', role: 'ingest' } : { type: 'system', id: 'loyalty-reactor' },
          ...(full ? { onBehalfOf: { id: 'agent-7' }, idempotencyKey: `idem-${tag}-${index}` } : {}),
          source: full ? 'shop' : 'chronicle',
          correlationId: `corr-${tag}-${index}`,
          causationId: full ? null : `cause-${tag}-${index}`,
        },
      },
    };
  });
}
