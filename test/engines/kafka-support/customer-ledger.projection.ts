// A read model made for the transport suites: per customer, every global position applied, in
// the order applied. A lost, repeated or reordered event shows up as a different list, so
// "equal to a clean rebuild" really means every event arrived once and in per-customer order.
import type { RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentRef, Projection, ProjectionView, ReadDocument } from '@app/read-store';

export const LEDGER_COLLECTION = 'kafka_test_ledger';

export interface LedgerDocument extends ReadDocument {
  readonly customerId: string;
  readonly positions: number[];
  readonly countsByType: Record<string, number>;
  readonly purchasedMinor: number;
}

export const customerLedgerProjection: Projection = {
  name: 'kafka-test-ledger',
  collections: [{ name: LEDGER_COLLECTION, indexes: [] }],
  touches(event: RecordedEvent): readonly DocumentRef[] {
    return [{ collection: LEDGER_COLLECTION, id: event.metadata.customerId }];
  },
  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    const id = event.metadata.customerId;
    const before = view.get<LedgerDocument>(LEDGER_COLLECTION, id);
    const data = event.data as { totalMinor?: number };
    return [{
      collection: LEDGER_COLLECTION,
      id,
      doc: {
        customerId: id,
        positions: [...(before?.positions ?? []), event.position],
        countsByType: { ...before?.countsByType, [event.type]: (before?.countsByType[event.type] ?? 0) + 1 },
        purchasedMinor: (before?.purchasedMinor ?? 0) + (event.type === 'PurchaseCompleted' ? (data.totalMinor ?? 0) : 0),
      },
    }];
  },
};
