// The loyalty stream of a customer: one account, one consistency boundary.
import { streamId } from '@app/event-sourcing';

export const LOYALTY_STREAM_CATEGORY = 'loyalty';

export function loyaltyStreamId(customerId: string): string {
  return streamId(LOYALTY_STREAM_CATEGORY, customerId);
}
