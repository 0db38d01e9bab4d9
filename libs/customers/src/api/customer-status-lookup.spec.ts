import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '@app/event-sourcing';
import { CodecEventStore, SqliteEventStore, type EventCodec } from '@app/event-store';
import { customerStreamId } from '../domain/customer.streams';
import { CustomerStatusLookup } from './customer-status-lookup';

function registration(customerId: string): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'CustomerRegistered',
    data: { customerId, profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } },
    metadata: {
      customerId,
      schemaVersion: 1,
      occurredAt: '2025-01-01T00:00:00.000Z',
      actor: { type: 'service', id: 'spec' },
      source: 'spec',
      correlationId: randomUUID(),
      causationId: null,
    },
  };
}

describe('CustomerStatusLookup', () => {
  let inner: SqliteEventStore;
  let store: CodecEventStore;
  const decoded: RecordedEvent[] = [];
  let streamReads: string[][];

  beforeEach(async () => {
    inner = new SqliteEventStore(':memory:');
    // A codec that records what it is asked to decode (decoding is decryption where privacy is on).
    const codec: EventCodec = {
      encode: async (events) => events,
      decode: async (events) => (decoded.push(...events), events),
    };
    store = new CodecEventStore(inner, codec);
    for (const customerId of ['c-1', 'c-2', 'c-3']) await store.append(customerStreamId(customerId), [registration(customerId)], { expectedRevision: 'no_stream' });
    decoded.length = 0;
    streamReads = [];
    const readStreams = inner.readStreams.bind(inner);
    jest.spyOn(inner, 'readStreams').mockImplementation(async (streamIds, options) => (streamReads.push([...streamIds]), readStreams(streamIds, options)));
  });

  afterEach(async () => {
    await inner.close();
  });

  it('tells a registered customer from an unknown one, without decoding (decrypting) the registration', async () => {
    const lookup = new CustomerStatusLookup(store);
    await expect(lookup.of('c-1')).resolves.toBe('active');
    await expect(lookup.of('c-9')).resolves.toBe('unknown');
    expect(decoded).toEqual([]);
  });

  it('answers many customers at once, reading the ones it does not remember in one query, none decoded', async () => {
    const lookup = new CustomerStatusLookup(store);
    await lookup.of('c-1');
    const statuses = await lookup.ofMany(['c-1', 'c-2', 'c-9', 'c-2', 'c-3']);
    expect([...statuses]).toEqual([
      ['c-1', 'active'],
      ['c-2', 'active'],
      ['c-9', 'unknown'],
      ['c-3', 'active'],
    ]);
    expect(streamReads).toEqual([[customerStreamId('c-2'), customerStreamId('c-9'), customerStreamId('c-3')]]);
    expect(decoded).toEqual([]);

    // Registered customers are remembered; an unknown one is asked again (it may have registered since).
    await inner.append(customerStreamId('c-9'), [registration('c-9')], { expectedRevision: 'no_stream' });
    expect([...(await lookup.ofMany(['c-2', 'c-3', 'c-9']))]).toEqual([
      ['c-2', 'active'],
      ['c-3', 'active'],
      ['c-9', 'active'],
    ]);
    expect(streamReads).toEqual([[customerStreamId('c-2'), customerStreamId('c-9'), customerStreamId('c-3')], [customerStreamId('c-9')]]);
  });
});
