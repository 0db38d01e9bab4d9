// Whether a customer is registered, for commands on other streams that name one (interactions,
// tickets, loyalty): their deciders cannot read the customer stream, so the handler asks here.
import type { EventStore } from '@app/event-store';
import type { CustomerStatus } from '../domain/customer-status';
import { customerStreamId } from '../domain/customer.streams';

/**
 * Whether a customer is registered, from the head of its stream. A registration is never undone
 * (forgetting keeps the stream), so known customers are remembered and not read again.
 */
export class CustomerStatusLookup {
  private readonly known = new Set<string>();

  constructor(private readonly store: EventStore, private readonly capacity = 500_000) {}

  async of(customerId: string): Promise<CustomerStatus> {
    if (this.known.has(customerId)) return 'active';
    const head = await this.store.readStream(customerStreamId(customerId), { maxCount: 1 });
    if (head.length === 0) return 'unknown';
    if (this.known.size >= this.capacity) this.known.clear();
    this.known.add(customerId);
    return 'active';
  }
}
