// Events of `segment-<id>` (the definition) and `segmentmembership-<customerId>` (who is in which
// segment). Definition events are about no customer: they carry SEGMENTS_CUSTOMER_ID so the
// "every event names its customer" envelope rule holds; customer projections ignore them because
// they are outside the catalogue (isCatalogueEvent). Membership events carry the real customer id,
// so they travel in that customer's Kafka partition, in order with the customer's own events.
import type { DomainEvent } from '@app/event-sourcing';
import type { ConsentPurposeName, SegmentRule } from './segment-rule';

/** The metadata/data customerId of segment definition events. */
export const SEGMENTS_CUSTOMER_ID = '__segments__';

export type SegmentDefined = DomainEvent<'SegmentDefined', {
  readonly customerId: typeof SEGMENTS_CUSTOMER_ID;
  readonly segmentId: string;
  readonly name: string;
  readonly description: string;
  readonly rule: SegmentRule;
  /**
   * What the segment is used for, when that needs the customer's consent (e.g. `marketing_email`):
   * only customers who gave that consent are ever members. Absent: no consent purpose (analysis).
   */
  readonly purpose?: ConsentPurposeName;
}>;

export type SegmentRuleChanged = DomainEvent<'SegmentRuleChanged', {
  readonly customerId: typeof SEGMENTS_CUSTOMER_ID;
  readonly segmentId: string;
  readonly rule: SegmentRule;
}>;

export type SegmentArchived = DomainEvent<'SegmentArchived', {
  readonly customerId: typeof SEGMENTS_CUSTOMER_ID;
  readonly segmentId: string;
}>;

export type SegmentEvent = SegmentDefined | SegmentRuleChanged | SegmentArchived;

/** Why a membership changed: the customer's own activity, the segment's definition, or time passing. */
export type MembershipReason = 'activity' | 'segment-defined' | 'rule-changed' | 'segment-archived' | 'time-passed';

export type CustomerEnteredSegment = DomainEvent<'CustomerEnteredSegment', {
  readonly customerId: string;
  readonly segmentId: string;
  /** Evaluation instant, ISO-8601. */
  readonly at: string;
  readonly reason: MembershipReason;
}>;

export type CustomerLeftSegment = DomainEvent<'CustomerLeftSegment', {
  readonly customerId: string;
  readonly segmentId: string;
  readonly at: string;
  readonly reason: MembershipReason;
}>;

export type MembershipEvent = CustomerEnteredSegment | CustomerLeftSegment;

export const SEGMENT_EVENT_TYPES: readonly SegmentEvent['type'][] = ['SegmentDefined', 'SegmentRuleChanged', 'SegmentArchived'];
export const MEMBERSHIP_EVENT_TYPES: readonly MembershipEvent['type'][] = ['CustomerEnteredSegment', 'CustomerLeftSegment'];
