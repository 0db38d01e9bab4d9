// How the relay cuts a batch of event messages into produce requests the broker will take: the
// broker refuses a record batch (one per partition in a request) larger than the topic's
// max.message.bytes, and kafkajs neither splits nor retries that refusal. Sizes are counted
// uncompressed, so a request within the budget stays within it once GZIP-compressed too.

/** The parts of a message that travel: key, value and headers, as the relay hands them to kafkajs. */
export interface SizedMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Record framing around each message (length, attributes, timestamp and offset deltas, header
 * counts: varints of at most 5 bytes each, and 2 more per header), rounded up.
 */
const RECORD_OVERHEAD_BYTES = 64;
/** The record batch header (61 bytes in format v2), rounded up. */
export const BATCH_OVERHEAD_BYTES = 128;

/** The bytes one message takes in a record batch before compression (an upper bound). */
export function recordBytes(message: SizedMessage): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers)) bytes += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/**
 * Consecutive runs of messages, in order, each at most `budgetBytes` uncompressed (counting the batch
 * header). A message over the budget on its own is a run of one: compression may still bring it
 * under the broker's limit, and if not, the broker says so for that message alone.
 */
export function splitIntoRequests<M extends SizedMessage>(messages: readonly M[], budgetBytes: number): M[][] {
  const requests: M[][] = [];
  let current: M[] = [];
  let size = BATCH_OVERHEAD_BYTES;
  for (const message of messages) {
    const bytes = recordBytes(message);
    if (current.length > 0 && size + bytes > budgetBytes) {
      requests.push(current);
      current = [];
      size = BATCH_OVERHEAD_BYTES;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Whether a produce failed because the broker found a message or batch too large (codes 10 and 18). */
export function isTooLargeForBroker(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const { type } = current as { type?: unknown };
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
    // kafkajs wraps the broker's error when it gives up (KafkaJSNonRetriableError's cause).
    current = (current as { cause?: unknown; originalError?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return false;
}
