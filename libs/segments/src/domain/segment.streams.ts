// Stream names: one per segment definition, one per customer for memberships (consistent per
// customer, and in the customer's own partition).
import { streamId } from '@app/event-sourcing';

export const SEGMENT_STREAM_CATEGORY = 'segment';
export const MEMBERSHIP_STREAM_CATEGORY = 'segmentmembership';

export function segmentStreamId(segmentId: string): string {
  return streamId(SEGMENT_STREAM_CATEGORY, segmentId);
}

export function membershipStreamId(customerId: string): string {
  return streamId(MEMBERSHIP_STREAM_CATEGORY, customerId);
}
