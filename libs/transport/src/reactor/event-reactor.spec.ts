import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { newEventId, type RecordedEvent } from '@app/event-sourcing';
import { CodecEventStore, SqliteEventStore } from '@app/event-store';
import type { CheckpointStore } from '../kafka';
import { EventReactor } from './event-reactor';

class MemoryCheckpoints implements CheckpointStore {
  readonly saved: number[] = [];
  async load(): Promise<number | null> {
    return this.saved.at(-1) ?? null;
  }
  async save(_name: string, position: number): Promise<void> {
    this.saved.push(position);
  }
}

describe('EventReactor (real SqliteEventStore)', () => {
  let directory: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-reactor-'));
    store = new SqliteEventStore(join(directory, 'events.sqlite'));
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const append = async (n: number, type = 'ThingHappened') => {
    const result = await store.append(`thing-${n}`, [{ eventId: newEventId(), type, data: { customerId: 'c', n }, metadata: { customerId: 'c', schemaVersion: 1, occurredAt: '2026-01-01T00:00:00Z', actor: { type: 'system', id: 't' }, source: 't', correlationId: 'x', causationId: null } }], { expectedRevision: 'no_stream' });
    return result.position;
  };

  it('saves the checkpoint only after the handler finished the batch, and retries a failed batch from the checkpoint', async () => {
    const checkpoints = new MemoryCheckpoints();
    const seen: number[] = [];
    let failOnce = true;
    const handler = async (events: readonly RecordedEvent[]) => {
      const numbers = events.map((event) => (event.data as { n: number }).n);
      if (failOnce && numbers.includes(3)) {
        failOnce = false;
        throw new Error('handler failed');
      }
      // The checkpoint never runs ahead of what the handler finished.
      expect(checkpoints.saved.at(-1) ?? 0).toBeLessThan(events[0].position);
      seen.push(...numbers);
    };
    for (let n = 1; n <= 4; n++) await append(n);
    const reactor = new EventReactor(store, checkpoints, handler, { name: 'test', maxBatchSize: 2, initialRetryDelayMs: 1 });
    await reactor.start();
    const last = await append(5);
    expect(await reactor.waitForPosition(last, 5000)).toBe(true);
    await reactor.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(checkpoints.saved.at(-1)).toBe(last);
  });

  it('starts after the saved checkpoint', async () => {
    const checkpoints = new MemoryCheckpoints();
    await append(1);
    checkpoints.saved.push(await append(2));
    const seen: number[] = [];
    const reactor = new EventReactor(store, checkpoints, async (events) => void seen.push(...events.map((e) => (e.data as { n: number }).n)), { name: 'test' });
    await reactor.start();
    const last = await append(3);
    expect(await reactor.waitForPosition(last, 5000)).toBe(true);
    await reactor.stop();
    expect(seen).toEqual([3]);
  });

  it('with types, hands over only those events, follows the log past the others, and has no lag when only they follow its checkpoint', async () => {
    const checkpoints = new MemoryCheckpoints();
    const seen: number[] = [];
    const reactor = new EventReactor(store, checkpoints, async (events) => void seen.push(...events.map((e) => (e.data as { n: number }).n)), {
      name: 'test',
      maxBatchSize: 2,
      types: ['Wanted'],
    });
    await append(1, 'Wanted');
    for (let n = 2; n <= 6; n++) await append(n);
    await reactor.start();
    const wanted = await append(7, 'Wanted');
    expect(await reactor.waitForPosition(wanted, 5000)).toBe(true);
    const other = await append(8);
    // Its position moves past events it is not given: "handled up to the head" holds.
    expect(await reactor.waitForPosition(other, 5000)).toBe(true);
    expect(seen).toEqual([1, 7]);
    expect(checkpoints.saved.at(-1)).toBe(wanted);
    expect(await reactor.lag()).toEqual({ events: 0, seconds: 0 });
    await reactor.stop();
    // Stopped, so nothing takes it: an event of its type is work waiting.
    await append(9, 'Wanted');
    expect((await reactor.lag()).events).toBeGreaterThan(0);
  });
  it('with contentOf, has only those types decoded; the others reach the handler as stored', async () => {
    const decodedTypes: string[] = [];
    // A codec whose decoding shows: it marks every event it decodes.
    const codecStore = new CodecEventStore(store, {
      encode: async (events) => events,
      decode: async (events) => events.map((event) => (decodedTypes.push(event.type), { ...event, data: { ...(event.data as object), decoded: true } })),
    });
    const seen: { type: string; decoded: boolean }[] = [];
    const reactor = new EventReactor(codecStore, new MemoryCheckpoints(), async (events) => void seen.push(...events.map((e) => ({ type: e.type, decoded: (e.data as { decoded?: boolean }).decoded === true }))), {
      name: 'test',
      types: ['Wanted', 'Read'],
      contentOf: ['Read'],
    });
    await append(1, 'Wanted');
    await append(2, 'Read');
    await append(3);
    const last = await append(4, 'Wanted');
    await reactor.start();
    expect(await reactor.waitForPosition(last, 5000)).toBe(true);
    expect(seen).toEqual([
      { type: 'Wanted', decoded: false },
      { type: 'Read', decoded: true },
      { type: 'Wanted', decoded: false },
    ]);
    expect(decodedTypes).toEqual(['Read']);
    await reactor.stop();
  });
});
