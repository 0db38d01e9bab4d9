// When may the segments reactor evaluate a batch? Once the read models include it. With a projector
// that follows the global log (in this process, or in another one through the checkpoint it stores)
// that is its position; with a projector fed by Kafka partitions, each touched document must have
// applied its customer's or segment's latest event of the batch (per-key order is what Kafka keeps),
// or the applied watermark over the partitions passed it, whichever comes first (a partition that lags
// elsewhere holds the watermark, not these documents).
import type { RecordedEvent } from '@app/event-sourcing';
import type { ReadStore } from '@app/read-store';
import { waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import { CUSTOMER_360_COLLECTION } from '@app/customer-view';
import { isCatalogueEvent } from '@app/customer-view';
import { LOYALTY_ACCOUNTS_COLLECTION } from '@app/loyalty';
import { isSegmentEvent } from '../projections/segment-event';
import { SEGMENTS_COLLECTION } from '../projections/segments.projection';
import type { ReadModelGate } from './segment.reaction';

function documentOf(event: RecordedEvent): { collection: string; id: string } | null {
  if (isSegmentEvent(event)) return { collection: SEGMENTS_COLLECTION, id: event.data.segmentId };
  if (isCatalogueEvent(event)) return { collection: CUSTOMER_360_COLLECTION, id: event.metadata.customerId };
  if (event.type === 'TierChanged') return { collection: LOYALTY_ACCOUNTS_COLLECTION, id: event.metadata.customerId };
  return null;
}

export function readModelGate(store: ReadStore, progress: ProjectionProgress | undefined, timeoutMs: number): ReadModelGate {
  return async (events) => {
    const last = events[events.length - 1].position;
    if (progress && !progress.heldByAnyPartition) return progress.waitForPosition(last, timeoutMs);
    const needed = new Map<string, { collection: string; id: string; position: number }>();
    for (const event of events) {
      const doc = documentOf(event);
      if (doc) needed.set(`${doc.collection}|${doc.id}`, { ...doc, position: event.position });
    }
    const caughtUp = async () => {
      for (const { collection, id, position } of needed.values()) {
        if (((await store.get(collection, id))?.lastPosition ?? 0) < position) return false;
      }
      return true;
    };
    // With Kafka, its documents or the applied watermark, whichever says so first.
    return waitUntilCaughtUp(last, caughtUp, progress, timeoutMs);
  };
}
