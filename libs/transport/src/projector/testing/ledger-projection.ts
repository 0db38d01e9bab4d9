// A tiny projection for the runner and transport specs: a balance per customer (order-sensitive
// arithmetic, so a reordered or repeated event shows) and an email lookup kept with blind writes.
import type { NewEvent, RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, Projection, ReadDocument } from '@app/read-store';

export const BALANCES = 'ledgerBalances';
export const EMAILS = 'ledgerEmails';

export type LedgerEvent =
  | { readonly type: 'Deposited'; readonly data: { readonly customerId: string; readonly amount: number } }
  | { readonly type: 'Doubled'; readonly data: { readonly customerId: string } }
  | { readonly type: 'EmailChanged'; readonly data: { readonly customerId: string; readonly email: string } };

export interface BalanceDocument extends ReadDocument {
  readonly customerId: string;
  readonly balance: number;
  readonly email: string | null;
  /** Positions applied, in the order they were applied. */
  readonly history: readonly number[];
}

export function ledgerProjection(name = 'ledger', collection = BALANCES): Projection {
  return {
    name,
    collections: [
      { name: collection, indexes: [{ fields: [{ field: 'balance', direction: 'desc' }] }] },
      { name: EMAILS, indexes: [{ fields: [{ field: 'customerId', direction: 'asc' }] }] },
    ],
    // The email lookup is not declared: its old key is deleted blind, from the balance document.
    touches: (event) => [{ collection, id: customerOf(event) }],
    apply: (event, view): DocumentChange[] => {
      const customerId = customerOf(event);
      const current = view.get<BalanceDocument>(collection, customerId);
      const base = { customerId, balance: current?.balance ?? 0, email: current?.email ?? null, history: [...(current?.history ?? []), event.position] };
      const ledger = event as unknown as LedgerEvent;
      switch (ledger.type) {
        case 'Deposited':
          return [{ collection, id: customerId, doc: { ...base, balance: base.balance + ledger.data.amount } }];
        case 'Doubled':
          return [{ collection, id: customerId, doc: { ...base, balance: base.balance * 2 } }];
        case 'EmailChanged':
          return [
            { collection, id: customerId, doc: { ...base, email: ledger.data.email } },
            ...(base.email !== null ? [{ collection: EMAILS, id: base.email, doc: null }] : []),
            { collection: EMAILS, id: ledger.data.email, doc: { customerId } },
          ];
      }
    },
  };
}

function customerOf(event: RecordedEvent): string {
  return (event.data as { customerId: string }).customerId;
}

/** A ledger event ready to append. */
export function ledgerEvent(event: LedgerEvent, eventId: string): NewEvent {
  return {
    eventId,
    type: event.type,
    data: event.data,
    metadata: {
      customerId: event.data.customerId,
      schemaVersion: 1,
      occurredAt: '2024-05-01T12:00:00.000Z',
      actor: { type: 'service', id: 'spec' },
      source: 'spec',
      correlationId: eventId,
      causationId: null,
    },
  };
}

/** A ledger event as a store would hand it over, at a given global position. */
export function recordedLedgerEvent(event: LedgerEvent, position: number): RecordedEvent {
  return {
    ...ledgerEvent(event, `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`),
    streamId: `ledger-${event.data.customerId}`,
    revision: position,
    position,
    recordedAt: '2024-05-01T12:00:00.000Z',
  };
}
