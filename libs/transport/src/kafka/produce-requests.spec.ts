import { BATCH_OVERHEAD_BYTES, isTooLargeForBroker, recordBytes, splitIntoRequests, type SizedMessage } from './produce-requests';

function message(id: string, valueBytes: number): SizedMessage & { id: string } {
  return { id, key: 'c-1', value: 'x'.repeat(valueBytes), headers: { ce_id: id } };
}

describe('splitIntoRequests', () => {
  it('keeps a batch that fits in one request', () => {
    const messages = [message('a', 100), message('b', 100), message('c', 100)];
    expect(splitIntoRequests(messages, 10_000).map((r) => r.map((m) => m.id))).toEqual([['a', 'b', 'c']]);
  });

  it('cuts a batch into consecutive requests under the budget, in order, a large message alone', () => {
    const messages = [message('a', 300), message('b', 300), message('big', 5_000), message('c', 300), message('d', 300), message('e', 300)];
    const budget = BATCH_OVERHEAD_BYTES + 2 * recordBytes(messages[0]);
    const requests = splitIntoRequests(messages, budget);
    expect(requests.map((r) => r.map((m) => m.id))).toEqual([['a', 'b'], ['big'], ['c', 'd'], ['e']]);
    for (const request of requests.filter((r) => r.length > 1)) {
      expect(BATCH_OVERHEAD_BYTES + request.reduce((sum, m) => sum + recordBytes(m), 0)).toBeLessThanOrEqual(budget);
    }
  });

  it('counts bytes, not characters', () => {
    expect(recordBytes({ key: 'k', value: 'é'.repeat(100), headers: {} }) - recordBytes({ key: 'k', value: 'e'.repeat(100), headers: {} })).toBe(100);
  });
});

describe('isTooLargeForBroker', () => {
  it('recognises the broker refusals by type, also wrapped by kafkajs', () => {
    expect(isTooLargeForBroker({ type: 'MESSAGE_TOO_LARGE' })).toBe(true);
    expect(isTooLargeForBroker({ type: 'RECORD_LIST_TOO_LARGE' })).toBe(true);
    expect(isTooLargeForBroker(Object.assign(new Error('gave up'), { cause: { type: 'MESSAGE_TOO_LARGE' } }))).toBe(true);
    expect(isTooLargeForBroker(Object.assign(new Error('gave up'), { cause: { type: 'NOT_ENOUGH_REPLICAS' } }))).toBe(false);
    expect(isTooLargeForBroker(new Error('MESSAGE_TOO_LARGE in the text only'))).toBe(false);
  });
});
