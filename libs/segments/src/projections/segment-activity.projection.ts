// The `segmentActivity` read model: per customer, the dated facts that time-window rules need and
// no other read model keeps with dates — recent purchases with their categories, recent call times.
import type { RecordedEvent } from '@app/event-sourcing';
import { recordedCurrency } from '@app/money';
import type { DocumentChange, DocumentRef, Projection, ProjectionView, ReadDocument } from '@app/read-store';
import type { CallLogged, PurchaseCompleted, PurchaseRefunded } from '@app/interactions/domain/interaction.events';

export const SEGMENT_ACTIVITY_COLLECTION = 'segmentActivity';

/** Purchases and calls remembered per customer (the latest by business time). Windows beyond them undercount. */
export const ACTIVITY_ENTRIES_KEPT = 200;

export type ActivityPurchase = {
  readonly orderId: string;
  readonly at: string;
  /** The order's currency: ISO 4217 code, or `?XYZ` for an unrecognised legacy code (see @app/money). */
  readonly currency: string;
  /** Order total minus refunds so far, minor units of `currency`. */
  readonly netMinor: number;
  /** Gross per category, minor units of `currency`; an array because categories are not safe MongoDB field names. */
  readonly categories: readonly { readonly category: string; readonly amountMinor: number }[];
};

export type SegmentActivityFields = {
  readonly customerId: string;
  /** Oldest first. */
  readonly purchases: readonly ActivityPurchase[];
  /** Business times of calls, oldest first. */
  readonly callTimes: readonly string[];
};
export type SegmentActivityDocument = SegmentActivityFields & ReadDocument;

type Recorded<E extends { type: string; data: unknown }> = RecordedEvent<E['type'], E['data']>;

const RELEVANT: ReadonlySet<string> = new Set(['PurchaseCompleted', 'PurchaseRefunded', 'CallLogged']);

function utc(at: string): string {
  return new Date(at).toISOString();
}

/**
 * `entries` (oldest first, as kept) with `added`, the latest ACTIVITY_ENTRIES_KEPT of them, oldest
 * first; of equal times the one added last comes last. Most facts arrive in time order: one no
 * earlier than the latest kept is appended, without sorting the list again (a heavy caller's call
 * times were copied and sorted, all 200, at every call).
 */
function keepLatest<T>(entries: readonly T[], added: T, at: (entry: T) => string): T[] {
  const latest = entries[entries.length - 1];
  const inOrder = latest === undefined || at(latest) <= at(added);
  const all = inOrder ? [...entries, added] : [...entries, added].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
  return all.length > ACTIVITY_ENTRIES_KEPT ? all.slice(all.length - ACTIVITY_ENTRIES_KEPT) : all;
}

export const segmentActivityProjection: Projection = {
  name: 'segment-activity',
  collections: [{ name: SEGMENT_ACTIVITY_COLLECTION, indexes: [] }],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return RELEVANT.has(event.type) ? [{ collection: SEGMENT_ACTIVITY_COLLECTION, id: event.metadata.customerId }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (!RELEVANT.has(event.type)) return [];
    const customerId = event.metadata.customerId;
    const stored = view.get<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, customerId);
    const current: SegmentActivityFields = stored ? { customerId, purchases: stored.purchases, callTimes: stored.callTimes } : { customerId, purchases: [], callTimes: [] };
    let next = current;
    if (event.type === 'PurchaseCompleted') {
      const { data } = event as Recorded<PurchaseCompleted>;
      if (current.purchases.some((p) => p.orderId === data.orderId)) return [];
      const byCategory = new Map<string, number>();
      for (const line of data.lines) byCategory.set(line.category, (byCategory.get(line.category) ?? 0) + line.quantity * line.unitPriceMinor);
      const purchase: ActivityPurchase = {
        orderId: data.orderId, at: utc(event.metadata.occurredAt), currency: recordedCurrency(data.currency).key, netMinor: data.totalMinor,
        categories: [...byCategory.entries()].map(([category, amountMinor]) => ({ category, amountMinor })),
      };
      next = { ...current, purchases: keepLatest(current.purchases, purchase, (p) => p.at) };
    } else if (event.type === 'PurchaseRefunded') {
      const { data } = event as Recorded<PurchaseRefunded>;
      next = { ...current, purchases: current.purchases.map((p) => (p.orderId === data.orderId ? { ...p, netMinor: p.netMinor - data.amountMinor } : p)) };
    } else {
      const call = event as Recorded<CallLogged>;
      next = { ...current, callTimes: keepLatest(current.callTimes, utc(call.metadata.occurredAt), (t) => t) };
    }
    return [{ collection: SEGMENT_ACTIVITY_COLLECTION, id: customerId, doc: next }];
  },
};
