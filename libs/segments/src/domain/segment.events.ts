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

/**
 * The segments reactor went through every customer for a definition event (defined, rule changed,
 * archived) and recorded the memberships it changed: from its position on, the log holds them all.
 * Recorded in the segment's own stream; it triggers no evaluation.
 */
export type SegmentEvaluated = DomainEvent<'SegmentEvaluated', {
  readonly customerId: typeof SEGMENTS_CUSTOMER_ID;
  readonly segmentId: string;
  /** The definition event evaluated. */
  readonly definitionEventId: string;
  /** Customers evaluated, and how many entered and left. */
  readonly evaluated: number;
  readonly entered: number;
  readonly left: number;
  /** When the evaluation finished, ISO-8601. */
  readonly at: string;
}>;

/** Every event of a `segment-<id>` stream. */
export type SegmentStreamEvent = SegmentEvent | SegmentEvaluated;

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
export const SEGMENT_EVALUATION_EVENT_TYPES: readonly SegmentEvaluated['type'][] = ['SegmentEvaluated'];
export const MEMBERSHIP_EVENT_TYPES: readonly MembershipEvent['type'][] = ['CustomerEnteredSegment', 'CustomerLeftSegment'];
