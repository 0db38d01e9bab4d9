import { randomUUID } from 'node:crypto';
import { DomainErrorCode, EventSchemas, refuse, type NewEvent, type RecordedEvent, type Upcaster } from '@app/event-sourcing';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { CodecEventStore, composeCodecs, upcastingCodec, type EventCodec } from './codec-event-store';

const upcasting = (...upcasters: Upcaster[]): EventCodec => upcastingCodec(new EventSchemas([{ upcasters }]));

interface PurchaseV1 {
  amount: number;
}
interface PurchaseV2 {
  amountCents: number;
}
interface PurchaseV3 {
  amount: { cents: number; currency: string };
}

const purchaseV1toV2: Upcaster<PurchaseV1, PurchaseV2> = {
  type: 'PurchaseCompleted',
  fromVersion: 1,
  upcast: (data) => ({ data: { amountCents: Math.round(data.amount * 100) }, version: 2 }),
};
const purchaseV2toV3: Upcaster<PurchaseV2, PurchaseV3> = {
  type: 'PurchaseCompleted',
  fromVersion: 2,
  upcast: (data) => ({ data: { amount: { cents: data.amountCents, currency: 'EUR' } }, version: 3 }),
};

function event(type: string, data: unknown, schemaVersion: number): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data,
    metadata: {
      customerId: 'c-1',
      schemaVersion,
      occurredAt: '2024-01-01T00:00:00.000Z',
      actor: { type: 'service', id: 'shop' },
      source: 'shop',
      correlationId: 'corr-1',
      causationId: null,
    },
  };
}

describe('CodecEventStore with the upcasting codec', () => {
  let inner: SqliteEventStore;
  let store: CodecEventStore;

  beforeEach(async () => {
    inner = new SqliteEventStore(':memory:');
    store = new CodecEventStore(inner, upcasting(purchaseV1toV2, purchaseV2toV3));
    await store.append(
      'order-1',
      [
        event('PurchaseCompleted', { amount: 12.5 }, 1),
        event('PurchaseCompleted', { amountCents: 700 }, 2),
        event('PurchaseCompleted', { amount: { cents: 300, currency: 'SEK' } }, 3),
        event('PurchaseRefunded', { amount: 1 }, 1),
      ],
      { expectedRevision: 'no_stream' },
    );
  });

  afterEach(async () => {
    await store.close();
  });

  const lifted = [
    { type: 'PurchaseCompleted', version: 3, data: { amount: { cents: 1250, currency: 'EUR' } } },
    { type: 'PurchaseCompleted', version: 3, data: { amount: { cents: 700, currency: 'EUR' } } },
    { type: 'PurchaseCompleted', version: 3, data: { amount: { cents: 300, currency: 'SEK' } } },
    // No upcaster for this type: left as stored.
    { type: 'PurchaseRefunded', version: 1, data: { amount: 1 } },
  ];
  const shape = (events: RecordedEvent[]) =>
    events.map((recorded) => ({ type: recorded.type, version: recorded.metadata.schemaVersion, data: recorded.data }));

  it('lifts old versions through the whole chain on readStream, forwards and backwards', async () => {
    expect(shape(await store.readStream('order-1'))).toEqual(lifted);
    expect(shape(await store.readStream('order-1', { direction: 'backwards' }))).toEqual([...lifted].reverse());
  });

  it('lifts on readAll and keeps every other field of the envelope', async () => {
    const all = await store.readAll();
    expect(shape(all)).toEqual(lifted);
    const raw = await inner.readAll();
    expect(all.map(({ data: _data, metadata, ...rest }) => ({ ...rest, metadata: { ...metadata, schemaVersion: 0 } }))).toEqual(
      raw.map(({ data: _data, metadata, ...rest }) => ({ ...rest, metadata: { ...metadata, schemaVersion: 0 } })),
    );
  });

  it('stores events as written: the inner store still holds version 1', async () => {
    const [first] = await inner.readStream('order-1');
    expect(first.metadata.schemaVersion).toBe(1);
    expect(first.data).toEqual({ amount: 12.5 });
  });

  it('lifts events delivered to a subscription', async () => {
    const seen: RecordedEvent[] = [];
    let arrived!: () => void;
    const allArrived = new Promise<void>((resolve) => (arrived = resolve));
    const subscription = store.subscribeToAll({ from: 'start' }, async (batch) => {
      seen.push(...batch);
      if (seen.length >= 5) arrived();
    });
    await store.append('order-2', [event('PurchaseCompleted', { amount: 2 }, 1)], { expectedRevision: 'no_stream' });
    await allArrived;
    await subscription.close();
    expect(shape(seen)).toEqual([...lifted, { type: 'PurchaseCompleted', version: 3, data: { amount: { cents: 200, currency: 'EUR' } } }]);
  });

  it('decodes for a subscription only the types whose content it reads; the others come as stored, in their place', async () => {
    const decodedCalls: (readonly RecordedEvent[])[] = [];
    const counting = new CodecEventStore(inner, {
      encode: async (events) => events,
      decode: async (events) => (decodedCalls.push(events), upcasting(purchaseV1toV2, purchaseV2toV3).decode(events)),
    });
    const seen: RecordedEvent[] = [];
    let arrived!: () => void;
    const allArrived = new Promise<void>((resolve) => (arrived = resolve));
    const subscription = counting.subscribeToAll({ from: 'start', contentOf: ['PurchaseRefunded'] }, async (batch) => {
      seen.push(...batch);
      if (seen.length >= 4) arrived();
    });
    await allArrived;
    await subscription.close();
    // The purchases as stored (versions 1, 2, 3 untouched), the refund decoded, log order kept.
    expect(shape(seen)).toEqual([
      { type: 'PurchaseCompleted', version: 1, data: { amount: 12.5 } },
      { type: 'PurchaseCompleted', version: 2, data: { amountCents: 700 } },
      { type: 'PurchaseCompleted', version: 3, data: { amount: { cents: 300, currency: 'SEK' } } },
      { type: 'PurchaseRefunded', version: 1, data: { amount: 1 } },
    ]);
    expect(seen.map((e) => e.position)).toEqual([1, 2, 3, 4]);
    expect(decodedCalls.flat().map((e) => e.type)).toEqual(['PurchaseRefunded']);
  });

  it('refuses two upcasters for the same type and version', () => {
    expect(() => upcasting(purchaseV1toV2, { ...purchaseV1toV2 })).toThrow('Two upcasters');
  });

  it('refuses an upcaster that does not raise the version', async () => {
    const stuck: Upcaster = { type: 'PurchaseRefunded', fromVersion: 1, upcast: (data) => ({ data, version: 1 }) };
    await expect(new CodecEventStore(inner, upcasting(stuck)).readAll()).rejects.toThrow('must raise the version');
  });

  it('refuses a current version that nothing upcasts to', () => {
    expect(() => new EventSchemas([{ currentVersions: { PurchaseCompleted: 4 }, upcasters: [purchaseV1toV2, purchaseV2toV3] }])).toThrow('nothing upcasts v3');
    expect(new EventSchemas([{ currentVersions: { PurchaseCompleted: 3 }, upcasters: [purchaseV1toV2, purchaseV2toV3] }]).currentVersion('PurchaseCompleted')).toBe(3);
  });

  it('composes codecs: encode in order, decode in reverse, so decode undoes encode', async () => {
    const tag = (name: string): EventCodec => ({
      encode: async (events) => events.map((e) => ({ ...e, data: { ...(e.data as object), trail: [...((e.data as { trail?: string[] }).trail ?? []), `enc-${name}`] } })),
      decode: async (events) => events.map((e) => ({ ...e, data: { ...(e.data as object), trail: [...((e.data as { trail?: string[] }).trail ?? []), `dec-${name}`] } })),
    });
    const composed = new CodecEventStore(inner, composeCodecs(tag('a'), tag('b')));
    await composed.append('order-3', [event('Tagged', {}, 1)], { expectedRevision: 'no_stream' });
    const [stored] = await inner.readStream('order-3');
    expect((stored?.data as { trail: string[] }).trail).toEqual(['enc-a', 'enc-b']);
    const [read] = await composed.readStream('order-3');
    expect((read?.data as { trail: string[] }).trail).toEqual(['enc-a', 'enc-b', 'dec-b', 'dec-a']);
  });
});

describe('CodecEventStore.appendMany with a codec that refuses some content', () => {
  let inner: SqliteEventStore;
  let store: CodecEventStore;
  // As the personal-data codec refuses personal values of a forgotten customer.
  const refusing: EventCodec = {
    encode: async (events) => {
      if (events.some((e) => e.metadata.customerId === 'c-gone')) throw refuse.invalidState('Customer c-gone was forgotten', 'customerId');
      return events;
    },
    decode: async (events) => events,
  };
  const of = (customerId: string): NewEvent => {
    const base = event('NoteAdded', { text: 'x' }, 1);
    return { ...base, metadata: { ...base.metadata, customerId } };
  };

  beforeEach(() => {
    inner = new SqliteEventStore(':memory:');
    store = new CodecEventStore(inner, refusing);
  });

  afterEach(() => inner.close());

  it('answers the refused entry with the refusal and the later ones of its stream as conflicts; the others are written', async () => {
    const outcomes = await store.appendMany([
      { streamId: 'note-a', events: [of('c-1')], expectedRevision: 'no_stream' },
      { streamId: 'note-b', events: [of('c-gone')], expectedRevision: 'no_stream' },
      { streamId: 'note-b', events: [of('c-1')], expectedRevision: 0 },
      { streamId: 'note-c', events: [of('c-1')], expectedRevision: 'no_stream' },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'written' : o.error.constructor.name))).toEqual(['written', 'DomainError', 'WrongExpectedRevisionError', 'written']);
    expect(outcomes[1]).toMatchObject({ error: { code: DomainErrorCode.InvalidState, field: 'customerId' } });
    expect((await inner.readAll()).map((e) => e.streamId)).toEqual(['note-a', 'note-c']);
  });
});
