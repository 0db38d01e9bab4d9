import { ProjectionHarness, RecordedEventFactory } from '@app/customer-view/projections/testing';
import { customerViewProjections } from '@app/customer-view';
import { analyticsProjections } from '@app/analytics';
import { SEGMENTS_CUSTOMER_ID, type MembershipEvent, type SegmentEvent } from '../domain/segment.events';
import { segmentsProjections } from './index';
import {
  CUSTOMER_SEGMENTS_COLLECTION, SEGMENT_MEMBERS_COLLECTION, SEGMENTS_COLLECTION, segmentMemberId,
  type CustomerSegmentsDocument, type SegmentDocument, type SegmentMemberDocument,
} from './segments.projection';
import { ACTIVITY_ENTRIES_KEPT, SEGMENT_ACTIVITY_COLLECTION, type SegmentActivityDocument } from './segment-activity.projection';

const customerId = SEGMENTS_CUSTOMER_ID;

function definition(factory: RecordedEventFactory) {
  const events: SegmentEvent[] = [
    { type: 'SegmentDefined', data: { customerId, segmentId: 's1', name: 'Buyers', description: '', rule: { ticketsOpen: { gte: 1 } } } },
    { type: 'SegmentRuleChanged', data: { customerId, segmentId: 's1', rule: { purchases: { count: { gte: 1 }, withinDays: 30 } } } },
  ];
  return events.map((event, i) => factory.record('segment-s1', event, { at: `2026-01-0${i + 1}T00:00:00.000Z` }));
}

function membership(factory: RecordedEventFactory, type: MembershipEvent['type'], customer: string, at: string) {
  const event: MembershipEvent = { type, data: { customerId: customer, segmentId: 's1', at, reason: 'activity' } };
  return factory.record(`segmentmembership-${customer}`, event, { at });
}

describe('segments projections', () => {
  it('keeps definitions, member rows and customer segment ids in step', () => {
    const factory = new RecordedEventFactory(2);
    const harness = new ProjectionHarness(segmentsProjections).run([
      ...definition(factory),
      membership(factory, 'CustomerEnteredSegment', 'c1', '2026-01-05T00:00:00.000Z'),
      membership(factory, 'CustomerEnteredSegment', 'c2', '2026-01-06T00:00:00.000Z'),
      membership(factory, 'CustomerLeftSegment', 'c1', '2026-01-07T00:00:00.000Z'),
    ]);
    const segment = harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1');
    expect(segment).toMatchObject({ name: 'Buyers', status: 'active', timeBound: true, usesRfm: false, definedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' });
    expect(harness.all<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION).filter((row) => row.member).map((row) => row.id)).toEqual([segmentMemberId('s1', 'c2')]);
    expect(harness.get<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, 's1|c2')).toMatchObject({ segmentId: 's1', customerId: 'c2', member: true, since: '2026-01-06T00:00:00.000Z', leftAt: null });
    expect(harness.get<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, 's1|c1')).toMatchObject({ member: false, since: '2026-01-05T00:00:00.000Z', leftAt: '2026-01-07T00:00:00.000Z' });
    expect(harness.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c1')?.segmentIds).toEqual([]);
    expect(harness.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c2')?.segmentIds).toEqual(['s1']);
  });

  it('applies a redelivered leave once, and lets the customer re-enter later', () => {
    const factory = new RecordedEventFactory();
    const entered = membership(factory, 'CustomerEnteredSegment', 'c1', '2026-01-05T00:00:00.000Z');
    const left = membership(factory, 'CustomerLeftSegment', 'c1', '2026-01-06T00:00:00.000Z');
    const harness = new ProjectionHarness(segmentsProjections).run([...definition(factory), entered, left, left, entered]);
    expect(harness.get<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, 's1|c1')?.member).toBe(false);
    expect(harness.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c1')?.segmentIds).toEqual([]);
    harness.run([membership(factory, 'CustomerEnteredSegment', 'c1', '2026-01-07T00:00:00.000Z')]);
    expect(harness.get<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, 's1|c1')).toMatchObject({ member: true, since: '2026-01-07T00:00:00.000Z', leftAt: '2026-01-06T00:00:00.000Z' });
    expect(harness.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c1')?.segmentIds).toEqual(['s1']);
  });

  it('says whether the latest definition\'s memberships are all decided: running from a definition or rule change, done at its SegmentEvaluated, not at an older one\'s', () => {
    // In log order: a definition, its evaluation, a rule change, the first evaluation again (redelivered), the change's.
    const factory = new RecordedEventFactory();
    const defined = factory.record('segment-s1', { type: 'SegmentDefined', data: { customerId, segmentId: 's1', name: 'Buyers', description: '', rule: { ticketsOpen: { gte: 1 } } } } satisfies SegmentEvent, { at: '2026-01-01T00:00:00.000Z' });
    const evaluated = (of: string, at: string) =>
      factory.record('segment-s1', { type: 'SegmentEvaluated', data: { customerId, segmentId: 's1', definitionEventId: of, evaluated: 10, entered: 2, left: 0, at } }, { at });
    const harness = new ProjectionHarness(segmentsProjections).run([defined]);
    expect(harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1')).toMatchObject({ definitionEventId: defined.eventId, evaluation: { state: 'running', completedAt: null, position: null } });
    const first = evaluated(defined.eventId, '2026-01-01T00:05:00.000Z');
    harness.run([first]);
    expect(harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1')?.evaluation).toEqual({ state: 'done', completedAt: '2026-01-01T00:05:00.000Z', position: first.position });
    const changed = factory.record('segment-s1', { type: 'SegmentRuleChanged', data: { customerId, segmentId: 's1', rule: { ticketsOpen: { gte: 2 } } } } satisfies SegmentEvent, { at: '2026-01-02T00:00:00.000Z' });
    harness.run([changed, evaluated(defined.eventId, '2026-01-02T00:01:00.000Z')]);
    expect(harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1')?.evaluation.state).toBe('running');
    const second = evaluated(changed.eventId, '2026-01-02T00:05:00.000Z');
    harness.run([second]);
    expect(harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1')?.evaluation).toEqual({ state: 'done', completedAt: '2026-01-02T00:05:00.000Z', position: second.position });
  });

  it('archives', () => {
    const factory = new RecordedEventFactory();
    const archived: SegmentEvent = { type: 'SegmentArchived', data: { customerId, segmentId: 's1' } };
    const harness = new ProjectionHarness(segmentsProjections).run([...definition(factory), factory.record('segment-s1', archived, { at: '2026-02-01T00:00:00.000Z' })]);
    expect(harness.get<SegmentDocument>(SEGMENTS_COLLECTION, 's1')).toMatchObject({ status: 'archived', updatedAt: '2026-02-01T00:00:00.000Z' });
  });

  it('remembers dated purchases with categories, refunds and calls', () => {
    const factory = new RecordedEventFactory();
    const harness = new ProjectionHarness(segmentsProjections).run([
      factory.record('order-o1', {
        type: 'PurchaseCompleted',
        data: { customerId: 'c1', orderId: 'o1', channel: 'web', currency: 'EUR', totalMinor: 70_00, lines: [
          { sku: 'a', name: 'a', category: 'shoes', quantity: 2, unitPriceMinor: 20_00 },
          { sku: 'b', name: 'b', category: 'hats', quantity: 1, unitPriceMinor: 30_00 },
        ] },
      }, { at: '2026-03-01T10:00:00+01:00' }),
      factory.record('order-o1', { type: 'PurchaseRefunded', data: { customerId: 'c1', orderId: 'o1', refundId: 'r1', amountMinor: 10_00, currency: 'EUR' } }, { at: '2026-03-02T00:00:00Z' }),
      factory.record('call-k1', { type: 'CallLogged', data: { customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved' } }, { at: '2026-03-03T00:00:00Z' }),
    ]);
    expect(harness.get<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, 'c1')).toMatchObject({
      purchases: [{ orderId: 'o1', at: '2026-03-01T09:00:00.000Z', currency: 'EUR', netMinor: 60_00, categories: [{ category: 'shoes', amountMinor: 40_00 }, { category: 'hats', amountMinor: 30_00 }] }],
      callTimes: ['2026-03-03T00:00:00.000Z'],
    });
  });

  it(`keeps the latest ${ACTIVITY_ENTRIES_KEPT} call times and purchases, oldest first, whatever order they arrive in`, () => {
    const factory = new RecordedEventFactory();
    const minute = (n: number) => new Date(Date.UTC(2026, 2, 1) + n * 60_000).toISOString();
    const call = (n: number) => factory.record(`call-k${n}`, { type: 'CallLogged', data: { customerId: 'c1', callId: `k${n}`, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved' } }, { at: minute(n) });
    // Purchase i of the order below, at its time.
    const purchase = (i: number, n: number) => factory.record(`order-o${i}`, {
      type: 'PurchaseCompleted',
      data: { customerId: 'c1', orderId: `o${i}`, channel: 'web', currency: 'EUR', totalMinor: 100, lines: [{ sku: 'a', name: 'a', category: 'x', quantity: 1, unitPriceMinor: 100 }] },
    }, { at: minute(n) });
    // In time order past the cap, then a late one inside the kept window, one older than all kept, one tied with the latest.
    const order = [...Array.from({ length: ACTIVITY_ENTRIES_KEPT + 20 }, (_, i) => i + 10), 100.5, 0, ACTIVITY_ENTRIES_KEPT + 29];
    const harness = new ProjectionHarness(segmentsProjections).run(order.flatMap((n, i) => [call(n), purchase(i, n)]));
    // By time, of equal times the one that came later last (a stable sort).
    const kept = order.map((n, i) => ({ n, i })).sort((a, b) => a.n - b.n).slice(-ACTIVITY_ENTRIES_KEPT);
    const activity = harness.get<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, 'c1');
    expect(activity?.callTimes).toEqual(kept.map(({ n }) => minute(n)));
    expect(activity?.purchases.map((p) => p.orderId)).toEqual(kept.map(({ i }) => `o${i}`));
  });

  it('files each purchase under its currency, legacy `eur` as EUR and `XYZ` apart', () => {
    const factory = new RecordedEventFactory();
    const purchase = (orderId: string, currency: string) => factory.record(`order-${orderId}`, {
      type: 'PurchaseCompleted',
      data: { customerId: 'c1', orderId, channel: 'web', currency, totalMinor: 100, lines: [{ sku: 'a', name: 'a', category: 'x', quantity: 1, unitPriceMinor: 100 }] },
    }, { at: '2026-03-01T10:00:00Z' });
    const harness = new ProjectionHarness(segmentsProjections).run([purchase('o1', 'JPY'), purchase('o2', 'eur'), purchase('o3', 'XYZ')]);
    expect(harness.get<SegmentActivityDocument>(SEGMENT_ACTIVITY_COLLECTION, 'c1')?.purchases.map((p) => [p.orderId, p.currency])).toEqual([['o1', 'JPY'], ['o2', 'EUR'], ['o3', '?XYZ']]);
  });

  it('definition events are ignored by the customer view and analytics projections', () => {
    const factory = new RecordedEventFactory();
    const harness = new ProjectionHarness([...customerViewProjections, ...analyticsProjections]).run(definition(factory));
    for (const collection of ['customer360', 'timeline', 'customerLookupSources', 'customerLookup', 'customerAnalytics', 'dailyKpis']) expect(harness.ids(collection)).toEqual([]);
  });
});
