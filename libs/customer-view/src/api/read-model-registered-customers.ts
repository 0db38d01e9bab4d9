// RegisteredCustomers from the customer360 read model: a customer is known once its registration is
// projected (registeredAt set; a document without it only holds events seen before a registration).
import type { CustomerNames, RegisteredCustomers } from '@app/customers';
import type { ReadStore } from '@app/read-store';
import { notFoundOrNotProjectedYet, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';

export class ReadModelRegisteredCustomers implements RegisteredCustomers, CustomerNames {
  constructor(
    private readonly store: ReadStore,
    private readonly waitTimeoutMs: number,
    private readonly progress?: ProjectionProgress,
    /** The event log's head position, where this process has the log: a minPosition beyond it is not waited for as "on its way". */
    private readonly logHead?: () => Promise<number>,
  ) {}

  async assertRegistered(customerId: string, minPosition?: number): Promise<void> {
    if (await this.registered(customerId)) return;
    // Not seen yet: a registration up to minPosition may still be on its way to the read model.
    const caughtUp = minPosition === undefined || (await waitUntilCaughtUp(minPosition, () => this.registered(customerId), this.progress, this.waitTimeoutMs));
    if (minPosition !== undefined && caughtUp && (await this.registered(customerId))) return;
    throw await notFoundOrNotProjectedYet(`Customer ${customerId}`, 'customerId', minPosition, caughtUp, this.logHead);
  }

  async namesOf(customerIds: readonly string[]): Promise<Map<string, string>> {
    const docs = await this.store.getMany<Customer360Document>(CUSTOMER_360_COLLECTION, [...new Set(customerIds)]);
    const names = new Map<string, string>();
    for (const [id, doc] of docs) if (doc.registeredAt !== null && doc.displayName !== '') names.set(id, doc.displayName);
    return names;
  }

  private registered(customerId: string): Promise<boolean> {
    return isRegisteredIn(this.store, customerId);
  }
}

/**
 * Whether these read models know the customer as registered (the live ones, or the audit's as of a
 * point). Read by id, the one query every engine answers from its primary key: a count of the
 * registered document would spare SQLite the 360 document's parse, but FerretDB 1.24 answers a count
 * (or any filter beyond a plain `_id`) by scanning the collection (104 ms against 4 ms at 1,000
 * documents, 2026-12-04).
 */
export async function isRegisteredIn(store: ReadStore, customerId: string): Promise<boolean> {
  const doc = await store.get<Customer360Document>(CUSTOMER_360_COLLECTION, customerId);
  return doc !== undefined && doc !== null && doc.registeredAt !== null;
}
