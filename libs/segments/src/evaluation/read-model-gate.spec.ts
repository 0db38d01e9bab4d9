import { FixedClock } from '@app/event-sourcing';
import { SegmentsTestBed, segmentsTestContext } from '../testing/segments-test-bed';
import { readModelGate } from './read-model-gate';

describe('readModelGate', () => {
  let bed: SegmentsTestBed;

  beforeEach(async () => {
    bed = await new SegmentsTestBed(new FixedClock(new Date('2026-03-01T00:00:00Z'))).start();
  });

  afterEach(async () => {
    await bed.close();
  });

  it('without an in-process projector, waits until each customer and segment document has its latest event', async () => {
    await bed.register('c1', {}, '2026-03-01T00:00:00Z');
    await bed.commands.execute({ type: 'DefineSegment', segmentId: 's1', name: 's1', description: '', rule: { ticketsOpen: { gte: 1 } } }, segmentsTestContext('2026-03-01T00:00:00Z'));
    const events = await bed.events.readAll();
    const gate = readModelGate(bed.reads, undefined, 50);
    expect(await gate(events)).toBe(false);
    await bed.project();
    expect(await gate(events)).toBe(true);
  });

  it('with an in-process projector, asks it for the batch\'s last position', async () => {
    await bed.register('c1', {}, '2026-03-01T00:00:00Z');
    const events = await bed.events.readAll();
    const asked: number[] = [];
    const gate = readModelGate(bed.reads, { waitForPosition: async (position) => { asked.push(position); return true; } }, 50);
    expect(await gate(events)).toBe(true);
    expect(asked).toEqual([events[events.length - 1].position]);
  });
});
