import { FixedClock } from '@app/event-sourcing';
import type { ConsentPurposeName, SegmentRule } from '../domain/segment-rule';
import { SEGMENT_MEMBERS_COLLECTION, CUSTOMER_SEGMENTS_COLLECTION, type CustomerSegmentsDocument } from '../projections/segments.projection';
import { SegmentsTestBed, segmentsTestContext } from '../testing/segments-test-bed';

const DAY = 86_400_000;
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY).toISOString();

const recentBuyers: SegmentRule = { purchases: { count: { gte: 1 }, withinDays: 30 } };

describe('segment evaluation', () => {
  let bed: SegmentsTestBed;
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(T0);
    bed = await new SegmentsTestBed(clock, 2).start();
  });

  afterEach(async () => {
    await bed.close();
  });

  async function define(segmentId: string, rule: SegmentRule, when = at(0), purpose?: ConsentPurposeName) {
    await bed.commands.execute({ type: 'DefineSegment', segmentId, name: segmentId, description: '', rule, ...(purpose ? { purpose } : {}) }, segmentsTestContext(when));
  }

  function types(events: readonly { type: string; data: unknown }[]) {
    return events.map((e) => `${e.type}:${(e.data as { segmentId: string }).segmentId}:${(e.data as { reason: string }).reason}`);
  }

  it('a customer leaves "purchased in the last 30 days" on day 31 with no new event', async () => {
    await bed.register('c1', {}, at(0));
    await define('recent', recentBuyers);
    await bed.react();
    expect(await bed.membershipEvents('c1')).toEqual([]);

    await bed.purchase('c1', 'o1', at(0));
    await bed.react();
    expect(types(await bed.membershipEvents('c1'))).toEqual(['CustomerEnteredSegment:recent:activity']);
    expect(await bed.reads.count(SEGMENT_MEMBERS_COLLECTION, { segmentId: 'recent', member: true })).toBe(1);

    clock.set(new Date(T0.getTime() + 29 * DAY));
    expect(await bed.sweep.sweep()).toMatchObject({ segments: 1, entered: 0, left: 0 });

    const day31 = new Date(T0.getTime() + 31 * DAY);
    expect(await bed.sweep.sweep(day31)).toMatchObject({ segments: 1, evaluated: 1, left: 1 });
    const events = await bed.membershipEvents('c1');
    expect(types(events)).toEqual(['CustomerEnteredSegment:recent:activity', 'CustomerLeftSegment:recent:time-passed']);
    expect(events[1].data).toMatchObject({ at: day31.toISOString() });
    expect(events[1].metadata).toMatchObject({ customerId: 'c1', actor: { type: 'system', id: 'segment-evaluator' }, occurredAt: day31.toISOString() });

    // The same sweep again (a redelivery, a second process) appends nothing.
    await bed.project();
    expect(await bed.sweep.sweep(day31)).toMatchObject({ left: 0 });
    expect(await bed.membershipEvents('c1')).toHaveLength(2);
    expect(await bed.reads.count(SEGMENT_MEMBERS_COLLECTION, { segmentId: 'recent', member: true })).toBe(0);
  });

  it('a redelivered batch changes nothing twice', async () => {
    await define('recent', recentBuyers);
    await bed.purchase('c1', 'o1', at(0));
    const batch = await bed.react();
    // Definition and purchase in one batch: the definition's evaluation already sees the purchase.
    expect(types(await bed.membershipEvents('c1'))).toEqual(['CustomerEnteredSegment:recent:segment-defined']);
    await bed.reaction(batch);
    await bed.project();
    expect(types(await bed.membershipEvents('c1'))).toEqual(['CustomerEnteredSegment:recent:segment-defined']);
  });

  it('defining, changing and archiving a segment re-evaluates every customer (across pages)', async () => {
    for (const [id, country] of [['c1', 'DE'], ['c2', 'FR'], ['c3', 'DE'], ['c4', 'IT'], ['c5', 'DE']]) await bed.register(id, { country }, at(0));
    await bed.react();
    await define('germans', { field: 'country', op: 'eq', value: 'DE' });
    await bed.react();
    const membersOf = async () => (await bed.reads.find(SEGMENT_MEMBERS_COLLECTION, { segmentId: 'germans', member: true }, { sort: [{ field: 'customerId', direction: 'asc' }] })).map((d) => d.customerId);
    expect(await membersOf()).toEqual(['c1', 'c3', 'c5']);
    expect(types(await bed.membershipEvents('c1'))).toEqual(['CustomerEnteredSegment:germans:segment-defined']);

    await bed.commands.execute({ type: 'ChangeSegmentRule', segmentId: 'germans', rule: { field: 'country', op: 'in', value: ['FR', 'DE'] } }, segmentsTestContext(at(1)));
    await bed.react();
    expect(await membersOf()).toEqual(['c1', 'c2', 'c3', 'c5']);

    await bed.commands.execute({ type: 'ArchiveSegment', segmentId: 'germans' }, segmentsTestContext(at(2)));
    await bed.react();
    expect(await membersOf()).toEqual([]);
    expect(types(await bed.membershipEvents('c2'))).toEqual(['CustomerEnteredSegment:germans:rule-changed', 'CustomerLeftSegment:germans:segment-archived']);
    expect((await bed.reads.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c2'))?.segmentIds).toEqual([]);
  });

  it('previews a rule without recording anything', async () => {
    for (const [id, birthDate] of [['c1', '1990-01-01'], ['c2', '1980-01-01'], ['c3', '1994-05-05']]) await bed.register(id, { birthDate }, at(0));
    for (const [id, n] of [['c1', 3], ['c2', 3], ['c3', 2]] as const) {
      for (let i = 0; i < n; i++) await bed.purchase(id, `${id}-o${i}`, at(-10 * (i + 1)));
    }
    await bed.project();
    const thirtiesBuyingOften: SegmentRule = { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: 183 } }] };
    expect(await bed.evaluator.preview(thirtiesBuyingOften, clock.now())).toEqual({ count: 1, sample: ['c1'] });
    expect(await bed.evaluator.preview({ purchases: { count: { gte: 1 }, withinDays: 30 } }, clock.now(), 2)).toEqual({ count: 3, sample: ['c1', 'c2'] });
    expect(await bed.membershipEvents('c1')).toEqual([]);
  });

  it('ranks RFM against the population of buyers who gave their profiling consent, and scores no one else', async () => {
    for (const id of ['c1', 'c2', 'c3']) await bed.register(id, {}, at(-100));
    await bed.consent('c1', 'profiling', true, at(-100));
    await bed.consent('c2', 'profiling', true, at(-100));
    await bed.purchase('c1', 'o1', at(-1), 500_00);
    await bed.purchase('c2', 'o2', at(-90), 5_00);
    // c3 is the best customer of all, but never said yes to profiling.
    await bed.purchase('c3', 'o3', at(-1), 900_00);
    await bed.project();
    expect(await bed.evaluator.preview({ rfm: { r: { gte: 3 }, m: { gte: 3 } } }, clock.now())).toEqual({ count: 1, sample: ['c1'] });
    expect(await bed.evaluator.preview({ rfm: { r: { gte: 1 } } }, clock.now())).toEqual({ count: 2, sample: ['c1', 'c2'] });
  });

  it('a segment used for a consent purpose holds only customers who give that consent; a withdrawal takes them out at once, with the exit event', async () => {
    await bed.register('c1', { country: 'DE' }, at(0));
    await bed.register('c2', { country: 'DE' }, at(0));
    await bed.register('c3', { country: 'DE' }, at(0));
    await bed.consent('c1', 'marketing_email', true, at(0));
    await bed.consent('c3', 'marketing_email', true, at(0));
    await bed.consent('c3', 'marketing_email', false, at(0));
    await define('newsletter', { field: 'country', op: 'eq', value: 'DE' }, at(0), 'marketing_email');
    await define('germans', { field: 'country', op: 'eq', value: 'DE' });
    await bed.react();
    const membersOf = async (segmentId: string) =>
      (await bed.reads.find(SEGMENT_MEMBERS_COLLECTION, { segmentId, member: true }, { sort: [{ field: 'customerId', direction: 'asc' }] })).map((d) => d.customerId);
    expect(await membersOf('newsletter')).toEqual(['c1']);
    expect(await membersOf('germans')).toEqual(['c1', 'c2', 'c3']);
    expect(await bed.evaluator.preview({ field: 'country', op: 'eq', value: 'DE' }, clock.now(), 20, 'marketing_email')).toEqual({ count: 1, sample: ['c1'] });

    await bed.consent('c1', 'marketing_email', false, at(1));
    await bed.consent('c2', 'marketing_email', true, at(1));
    await bed.react();
    expect(await membersOf('newsletter')).toEqual(['c2']);
    expect(types(await bed.membershipEvents('c1'))).toEqual([
      'CustomerEnteredSegment:newsletter:segment-defined', 'CustomerEnteredSegment:germans:segment-defined', 'CustomerLeftSegment:newsletter:activity',
    ]);

    // A rule change keeps the purpose.
    await bed.commands.execute({ type: 'ChangeSegmentRule', segmentId: 'newsletter', rule: { field: 'country', op: 'in', value: ['DE', 'FR'] } }, segmentsTestContext(at(2)));
    await bed.react();
    expect(await membersOf('newsletter')).toEqual(['c2']);
  });

  it('a forgotten customer leaves every segment', async () => {
    await bed.register('c1', { country: 'DE' }, at(0));
    await bed.consent('c1', 'marketing_email', true, at(0));
    await define('newsletter', { field: 'country', op: 'eq', value: 'DE' }, at(0), 'marketing_email');
    await define('germans', { field: 'country', op: 'eq', value: 'DE' });
    await bed.react();
    expect((await bed.reads.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c1'))?.segmentIds).toEqual(['germans', 'newsletter']);
    await bed.forget('c1', at(1));
    await bed.react();
    expect((await bed.reads.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, 'c1'))?.segmentIds).toEqual([]);
  });
});
