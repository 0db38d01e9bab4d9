// Loyalty events as read back from a store, still discriminated by `type`.
import type { DomainEvent, RecordedEvent } from '@app/event-sourcing';
import { LOYALTY_EVENT_TYPES, type LoyaltyEvent } from '../domain/loyalty.events';

type Recorded<E> = E extends DomainEvent<infer T extends string, infer D> ? RecordedEvent<T, D> : never;

export type RecordedLoyaltyEvent = Recorded<LoyaltyEvent>;

const TYPES: ReadonlySet<string> = new Set<string>(LOYALTY_EVENT_TYPES);

export function isLoyaltyEvent(event: RecordedEvent): event is RecordedLoyaltyEvent {
  return TYPES.has(event.type);
}

/** The change an event makes to the balance (TierChanged: 0). */
export function balanceDelta(event: RecordedLoyaltyEvent): number {
  switch (event.type) {
    case 'PointsEarned':
      return event.data.points;
    case 'PointsReversed':
    case 'PointsRedeemed':
    case 'PointsExpired':
      return -event.data.points;
    case 'PointsAdjusted':
      return event.data.points;
    case 'TierChanged':
      return 0;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled loyalty event type ${String((unhandled as { type?: unknown }).type)}`);
    }
  }
}
