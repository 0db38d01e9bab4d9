// The SnapshotStore port's contract suite: every adapter's integration spec calls it with a factory.
// It assumes a possibly shared store: fresh stream ids per test.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../event-store.port';
import type { Snapshot, SnapshotStore } from '../snapshot-store.port';

export interface SnapshotStoreUnderTest {
  /** A connection to the store, as one process would have; several may be open at once. */
  open(): SnapshotStore;
  /** The event store on the same storage: snapshots must never show in its global log. */
  readonly events: EventStore;
  /** Closes what open() gave out and the store. */
  dispose(): Promise<void>;
}

const streamId = (): string => `loyalty-${randomUUID()}`;

function snapshotOf(stream: string, revision: number, data: unknown = { state: { balance: revision, lots: [{ lotId: 'a', remaining: 3 }] } }): Snapshot {
  return { streamId: stream, revision, version: 'test/1', customerId: stream.slice('loyalty-'.length), data };
}

export function describeSnapshotStoreContract(name: string, factory: () => Promise<SnapshotStoreUnderTest>): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let subject: SnapshotStoreUnderTest;

    beforeEach(async () => {
      subject = await factory();
    });

    afterEach(() => subject.dispose());

    it('has no snapshot of a stream until one is written, then gives it back as written', async () => {
      const snapshots = subject.open();
      const [stream, other] = [streamId(), streamId()];
      expect(await snapshots.read([stream])).toEqual(new Map());
      const written = snapshotOf(stream, 99, { state: { tier: 'gold', nested: { list: [1, 'two', null, true] } }, latest: { type: 'PointsEarned', occurredAt: '2026-01-02T03:04:05.000Z' } });
      await snapshots.write(written);
      expect(await snapshots.read([stream, other])).toEqual(new Map([[stream, written]]));
    });

    it('reads many streams at once, each with its own snapshot, a stream named twice once', async () => {
      const snapshots = subject.open();
      const [first, second, missing] = [streamId(), streamId(), streamId()];
      await snapshots.write(snapshotOf(first, 10));
      await snapshots.write(snapshotOf(second, 20));
      const read = await snapshots.read([first, missing, second, first]);
      expect([...read.keys()].sort()).toEqual([first, second].sort());
      expect(read.get(first)?.revision).toBe(10);
      expect(read.get(second)?.revision).toBe(20);
      expect(await snapshots.read([])).toEqual(new Map());
    });

    it('keeps the last write, whatever its revision or version (a cache: the reader judges it)', async () => {
      const snapshots = subject.open();
      const stream = streamId();
      await snapshots.write(snapshotOf(stream, 200));
      await snapshots.write(snapshotOf(stream, 100));
      expect((await snapshots.read([stream])).get(stream)?.revision).toBe(100);
      await snapshots.write({ ...snapshotOf(stream, 150), version: 'test/2' });
      expect((await snapshots.read([stream])).get(stream)).toEqual({ ...snapshotOf(stream, 150), version: 'test/2' });
    });

    it('forgets a deleted snapshot, and takes a new one after', async () => {
      const snapshots = subject.open();
      const [stream, kept] = [streamId(), streamId()];
      await snapshots.write(snapshotOf(stream, 5));
      await snapshots.write(snapshotOf(kept, 6));
      await snapshots.delete(stream);
      await snapshots.delete(streamId());
      expect(await snapshots.read([stream, kept])).toEqual(new Map([[kept, snapshotOf(kept, 6)]]));
      await snapshots.write(snapshotOf(stream, 7));
      expect((await snapshots.read([stream])).get(stream)?.revision).toBe(7);
    });

    it('shows a snapshot written through one connection to every other', async () => {
      const [first, second] = [subject.open(), subject.open()];
      const stream = streamId();
      await first.write(snapshotOf(stream, 3));
      expect((await second.read([stream])).get(stream)?.revision).toBe(3);
    });

    it('keeps snapshots out of the global log', async () => {
      const head = await subject.events.headPosition();
      const stream = streamId();
      await subject.open().write(snapshotOf(stream, 1));
      await subject.open().delete(stream);
      // The store may be shared with other writers: no event after the head may carry anything of ours.
      const after = await subject.events.readAll({ after: head });
      expect(after.filter((event) => JSON.stringify(event).includes(stream) || event.type.includes('Snapshot'))).toEqual([]);
    });
  });
}
