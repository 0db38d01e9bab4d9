import { FixedClock } from '@app/event-sourcing';
import { RecordedEventFactory } from '@app/customer-view/projections/testing';
import { SEGMENTS_CUSTOMER_ID } from '../domain/segment.events';
import { SegmentsTestBed, segmentsTestContext } from '../testing/segments-test-bed';
import { affectsCustomerFacts, segmentReaction } from './segment.reaction';

describe('segmentReaction', () => {
  let bed: SegmentsTestBed;
  const clock = new FixedClock(new Date('2026-03-10T00:00:00Z'));

  beforeEach(async () => {
    bed = await new SegmentsTestBed(clock).start();
  });

  afterEach(async () => {
    await bed.close();
  });

  it('fails the batch (for redelivery) when the read models do not include it, and records nothing', async () => {
    await bed.commands.execute({ type: 'DefineSegment', segmentId: 's1', name: 's1', description: '', rule: { purchases: { count: { gte: 1 }, withinDays: 30 } } }, segmentsTestContext('2026-03-01T00:00:00Z'));
    await bed.purchase('c1', 'o1', '2026-03-05T00:00:00Z');
    const batch = await bed.events.readAll();
    const notYet = segmentReaction(bed.evaluator, async () => false, clock);
    await expect(notYet(batch)).rejects.toThrow(`Read models did not reach position ${batch[batch.length - 1].position}`);
    expect(await bed.membershipEvents('c1')).toEqual([]);

    // Redelivered once the read models caught up, the batch records the membership.
    await bed.reaction(batch);
    expect((await bed.membershipEvents('c1')).map((e) => e.type)).toEqual(['CustomerEnteredSegment']);
  });

  it('ignores batches with nothing that changes facts or definitions, without waiting', async () => {
    const factory = new RecordedEventFactory();
    const membership = factory.record('segmentmembership-c1', { type: 'CustomerEnteredSegment', data: { customerId: 'c1', segmentId: 's1', at: '2026-03-01T00:00:00Z', reason: 'activity' } }, { at: '2026-03-01T00:00:00Z' });
    let asked = 0;
    await segmentReaction(bed.evaluator, async () => {
      asked += 1;
      return true;
    }, clock)([membership]);
    expect(asked).toBe(0);
  });

  it.each([
    ['PurchaseCompleted', true],
    ['CallLogged', true],
    ['ConsentGiven', true],
    ['TierChanged', true],
    ['PointsEarned', false],
    ['CustomerEnteredSegment', false],
    ['SegmentDefined', false],
  ])('%s affects customer facts: %s', (type, expected) => {
    const factory = new RecordedEventFactory();
    const event = factory.record('x-1', { type, data: { customerId: type === 'SegmentDefined' ? SEGMENTS_CUSTOMER_ID : 'c1' } }, { at: '2026-03-01T00:00:00Z' });
    expect(affectsCustomerFacts(event)).toBe(expected);
  });
});
