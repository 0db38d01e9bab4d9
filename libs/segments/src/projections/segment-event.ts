// Segment and membership events as read back from a store, still discriminated by `type`.
import type { DomainEvent, RecordedEvent } from '@app/event-sourcing';
import { MEMBERSHIP_EVENT_TYPES, SEGMENT_EVENT_TYPES, type MembershipEvent, type SegmentEvaluated, type SegmentEvent } from '../domain/segment.events';

type Recorded<E> = E extends DomainEvent<infer T extends string, infer D> ? RecordedEvent<T, D> : never;

export type RecordedSegmentEvent = Recorded<SegmentEvent>;
export type RecordedMembershipEvent = Recorded<MembershipEvent>;
export type RecordedSegmentEvaluated = Recorded<SegmentEvaluated>;

const SEGMENT_TYPES: ReadonlySet<string> = new Set<string>(SEGMENT_EVENT_TYPES);
const MEMBERSHIP_TYPES: ReadonlySet<string> = new Set<string>(MEMBERSHIP_EVENT_TYPES);

export function isSegmentEvent(event: RecordedEvent): event is RecordedSegmentEvent {
  return SEGMENT_TYPES.has(event.type);
}

export function isMembershipEvent(event: RecordedEvent): event is RecordedMembershipEvent {
  return MEMBERSHIP_TYPES.has(event.type);
}

export function isSegmentEvaluated(event: RecordedEvent): event is RecordedSegmentEvaluated {
  return event.type === 'SegmentEvaluated';
}
