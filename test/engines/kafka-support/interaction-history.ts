// Seeds an event store with realistic customer histories (catalogue event types, one stream per
// consistency boundary) so the transport suites move the same shapes production does.
import { deterministicEventId, type NewEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { CustomerRegistered } from '@app/customers/domain/customer.events';
import type { CallLogged, EmailOpened, EmailSent, PurchaseCompleted } from '@app/interactions/domain/interaction.events';
import { chronicleEventSchemas } from '@app/composition';

type SeedEvent = CustomerRegistered | PurchaseCompleted | CallLogged | EmailSent | EmailOpened;

const BASE_TIME = Date.parse('2025-01-06T08:00:00.000Z');

function envelope(runId: string, customerId: string, key: string, minute: number, event: SeedEvent): NewEvent {
  return {
    ...event,
    eventId: deterministicEventId(runId, key),
    metadata: {
      customerId,
      schemaVersion: chronicleEventSchemas.currentVersion(event.type),
      occurredAt: new Date(BASE_TIME + minute * 60_000).toISOString(),
      actor: { type: 'service', id: 'seed' },
      source: event.type === 'PurchaseCompleted' ? 'shop' : event.type === 'CallLogged' ? 'call-centre' : 'mail-gateway',
      correlationId: `corr-${key}`,
      causationId: null,
    },
  };
}

/**
 * Appends round `round` of every customer's history: round 0 registers them; each later round adds
 * an order, a call and an email that is opened. Returns how many events were appended.
 */
export async function appendHistoryRound(store: EventStore, runId: string, customers: number, round: number): Promise<number> {
  let appended = 0;
  for (let c = 0; c < customers; c++) {
    const customerId = `${runId}-c${c}`;
    const minute = round * 1_000 + c;
    if (round === 0) {
      await store.append(`customer-${customerId}`, [envelope(runId, customerId, `reg-${c}`, minute, {
        type: 'CustomerRegistered',
        data: { customerId, profile: { firstName: `First${c}`, lastName: `Last${c}`, email: `c${c}@example.test` } },
      })], { expectedRevision: 'no_stream' });
      appended += 1;
      continue;
    }
    const orderId = `${customerId}-o${round}`;
    const quantity = 1 + ((c + round) % 3);
    await store.append(`order-${orderId}`, [envelope(runId, customerId, `order-${c}-${round}`, minute, {
      type: 'PurchaseCompleted',
      data: {
        customerId, orderId, channel: 'web', currency: 'EUR',
        lines: [{ sku: `sku-${round}`, name: 'Tea, green', category: 'grocery', quantity, unitPriceMinor: 450 }],
        totalMinor: quantity * 450,
      },
    })], { expectedRevision: 'no_stream' });
    const callId = `${customerId}-call${round}`;
    await store.append(`call-${callId}`, [envelope(runId, customerId, `call-${c}-${round}`, minute + 1, {
      type: 'CallLogged',
      data: { customerId, callId, direction: 'inbound', durationSeconds: 60 + c, connection: 'answered', resolution: 'resolved' },
    })], { expectedRevision: 'no_stream' });
    const messageId = `${customerId}-m${round}`;
    await store.append(`email-${messageId}`, [
      envelope(runId, customerId, `email-${c}-${round}`, minute + 2, {
        type: 'EmailSent', data: { customerId, messageId, subject: `Newsletter ${round}` },
      }),
      envelope(runId, customerId, `open-${c}-${round}`, minute + 3, {
        type: 'EmailOpened', data: { customerId, messageId },
      }),
    ], { expectedRevision: 'no_stream' });
    appended += 4;
  }
  return appended;
}
