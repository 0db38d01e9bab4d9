// The `loyaltyHistory` read model: one row per loyalty event, the account's statement, paged
// newest first (by global position) by the query side.
import { formatMinor } from '@app/money';
import type { RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentRef, Projection } from '@app/read-store';
import { utc } from '../domain/calendar-months';
import { balanceDelta, isLoyaltyEvent, type RecordedLoyaltyEvent } from './loyalty-event';

export const LOYALTY_HISTORY_COLLECTION = 'loyaltyHistory';

export type LoyaltyHistoryFields = {
  readonly customerId: string;
  readonly eventId: string;
  readonly type: RecordedLoyaltyEvent['type'];
  /** Change to the balance (negative for redemptions, reversals, expiry). */
  readonly points: number;
  readonly summary: string;
  readonly occurredAt: string;
  readonly position: number;
  readonly data: unknown;
};

export type LoyaltyHistoryDocument = LoyaltyHistoryFields & { readonly id: string; readonly lastPosition: number };

function summarise(event: RecordedLoyaltyEvent): string {
  switch (event.type) {
    case 'PointsEarned':
      // The amount names its currency, so 0 points for a purchase outside the programme's currency explains itself.
      return `Earned ${event.data.points} points on order ${event.data.orderId} (${formatMinor(event.data.basis.amountMinor, event.data.basis.currency)})`;
    case 'PointsReversed':
      return `Reversed ${event.data.points} points for refund ${event.data.refundId} of order ${event.data.orderId}`;
    case 'PointsRedeemed':
      return `Redeemed ${event.data.points} points: ${event.data.reason}`;
    case 'PointsExpired':
      return `${event.data.points} points expired`;
    case 'PointsAdjusted':
      return `Adjusted by ${event.data.points > 0 ? '+' : ''}${event.data.points} points: ${event.data.reason}`;
    case 'TierChanged':
      return `Tier ${event.data.direction === 'up' ? 'up' : 'down'} from ${event.data.from} to ${event.data.to}`;
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled loyalty event ${JSON.stringify(unhandled)}`);
    }
  }
}

export const loyaltyHistoryProjection: Projection = {
  name: 'loyalty-history',
  collections: [
    {
      name: LOYALTY_HISTORY_COLLECTION,
      indexes: [{ fields: [{ field: 'customerId', direction: 'asc' }, { field: 'position', direction: 'desc' }] }],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isLoyaltyEvent(event) ? [{ collection: LOYALTY_HISTORY_COLLECTION, id: event.eventId }] : [];
  },

  apply(event: RecordedEvent): readonly DocumentChange[] {
    if (!isLoyaltyEvent(event)) return [];
    const row: LoyaltyHistoryFields = {
      customerId: event.data.customerId,
      eventId: event.eventId,
      type: event.type,
      points: balanceDelta(event),
      summary: summarise(event),
      occurredAt: utc(event.metadata.occurredAt),
      position: event.position,
      data: event.data,
    };
    return [{ collection: LOYALTY_HISTORY_COLLECTION, id: event.eventId, doc: row }];
  },
};
