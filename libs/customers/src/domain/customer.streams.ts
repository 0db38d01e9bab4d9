// Which stream a customer command targets and which customer it concerns, for the command side.
import { streamId } from '@app/event-sourcing';
import type { CustomerCommand } from './customer.commands';

export const CUSTOMER_STREAM_CATEGORY = 'customer';

export function customerStreamId(customerId: string): string {
  return streamId(CUSTOMER_STREAM_CATEGORY, customerId);
}

/** Every customer command targets its customer's own stream. */
export function streamIdForCustomerCommand(command: CustomerCommand): string {
  return customerStreamId(command.customerId);
}

export function customerIdOfCustomerCommand(command: CustomerCommand): string {
  return command.customerId;
}
