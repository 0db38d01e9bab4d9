// The `loyaltyHistory` read model: one row per loyalty event, the account's statement, paged
// newest first (by global position) by the query side.
import { formatMinor } from '@app/money';
import { forgetPersonalValues, latestPersonalPaths, type RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentQuery, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { CUSTOMER_FORGOTTEN } from '@app/customers/domain/customer.events';
import { loyaltyPersonalData } from '../domain/loyalty.personal-data';
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
      throw new Error(`Unhandled loyalty event type ${String((unhandled as { type?: unknown }).type)}`);
    }
  }
}

/**
 * A forgotten customer's statement row: the free text in `data` FORGOTTEN (as the log reads once
 * the key is destroyed), the summary said again from it.
 */
export function forgetLoyaltyHistoryRow(row: LoyaltyHistoryFields): LoyaltyHistoryFields {
  const data = forgetPersonalValues(row.data, latestPersonalPaths(loyaltyPersonalData, row.type));
  return { ...row, data, summary: summarise({ type: row.type, data } as RecordedLoyaltyEvent) };
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

  touchesWhere(event: RecordedEvent): readonly DocumentQuery[] {
    return event.type === CUSTOMER_FORGOTTEN ? [{ collection: LOYALTY_HISTORY_COLLECTION, filter: { customerId: event.metadata.customerId } }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (event.type === CUSTOMER_FORGOTTEN) {
      return view.found<LoyaltyHistoryDocument>(LOYALTY_HISTORY_COLLECTION).map(({ id, lastPosition: _position, ...row }) => ({
        collection: LOYALTY_HISTORY_COLLECTION,
        id,
        doc: forgetLoyaltyHistoryRow(row),
      }));
    }
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
