// What a command handler found when it loaded the customer stream. Other streams (interactions,
// tickets) cannot read the customer stream inside their decider, so the handler passes this along.
import { refuse } from '@app/event-sourcing';

export type CustomerStatus = 'unknown' | 'active';

export type WithCustomerStatus<C> = C & { readonly customerStatus: CustomerStatus };

/** No interaction or ticket may name a customer who was never registered. */
export function assertCustomerRegistered(command: WithCustomerStatus<{ readonly customerId: string }>): void {
  if (command.customerStatus === 'unknown') {
    throw refuse.notFound(`Customer ${command.customerId} is not registered`, 'customerId');
  }
}
