// The IdempotencyKeys port's contract suite: every adapter's integration spec calls it with a factory.
// It assumes a possibly shared store: a fresh scope per test, no assumption about other keys.
import { randomUUID } from 'node:crypto';
import type { FixedClock } from '@app/event-sourcing';
import type { EventStore } from '../event-store.port';
import type { IdempotencyClaim, IdempotencyKeyRef, IdempotencyKeys } from '../idempotency-keys.port';

export interface IdempotencyKeysUnderTest {
  /** A connection to the store, as one process would have; several may be open at once. */
  open(): IdempotencyKeys;
  /** The event store on the same storage: keys must never show in its global log. */
  readonly events: EventStore;
  /** The clock every connection reads lease times from. */
  readonly clock: FixedClock;
  /** Closes what open() gave out and the store. */
  dispose(): Promise<void>;
}

const LEASE_MS = 30_000;

export function describeIdempotencyKeysContract(name: string, factory: () => Promise<IdempotencyKeysUnderTest>): void {
  describe(`IdempotencyKeys contract: ${name}`, () => {
    let subject: IdempotencyKeysUnderTest;
    let keys: IdempotencyKeys;
    let ref: IdempotencyKeyRef;

    beforeEach(async () => {
      subject = await factory();
      keys = subject.open();
      ref = { scope: `api-key-${randomUUID()}`, key: 'order-7/attempt 1 ✓' };
    });

    afterEach(() => subject.dispose());

    const acquire = async (fingerprint: string, key: IdempotencyKeyRef = ref): Promise<string> => {
      const claim = await keys.claim(key, fingerprint, LEASE_MS);
      if (claim.outcome !== 'acquired') throw new Error(`expected to acquire ${key.key}, got ${claim.outcome}`);
      return claim.token;
    };

    it('the first claim acquires; while it runs the same request is in progress and a different one a mismatch', async () => {
      await acquire('fp-a');
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'in_progress' });
      expect(await keys.claim(ref, 'fp-b', LEASE_MS)).toEqual({ outcome: 'mismatch' });
    });

    it('an answered key gives the same request its answer and refuses any other, for good', async () => {
      const token = await acquire('fp-a');
      const body = { streamId: 'note-1', eventIds: ['e-1'], replayed: false, nested: { text: 'Grüße, 東京 "quoted"', none: null, list: [1, 2.5] } };
      expect(await keys.complete(ref, token, { status: 201, body })).toBe(true);

      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'answered', answer: { status: 201, body } });
      expect(await keys.claim(ref, 'fp-b', LEASE_MS)).toEqual({ outcome: 'mismatch' });
      subject.clock.advance(365 * 24 * 3600 * 1000);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'answered', answer: { status: 201, body } });
      // Its holder's token does nothing any more.
      expect(await keys.release(ref, token)).toBe(false);
      expect(await keys.abandon(ref, token)).toBe(false);
      expect(await keys.complete(ref, token, { status: 500, body: null })).toBe(false);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'answered', answer: { status: 201, body } });
    });

    it('a key is unique within its scope only', async () => {
      await acquire('fp-a');
      const other = { scope: `api-key-${randomUUID()}`, key: ref.key };
      await acquire('fp-b', other);
      expect(await keys.claim({ ...ref, key: `${ref.key}-2` }, 'fp-b', LEASE_MS)).toMatchObject({ outcome: 'acquired' });
    });

    it('release frees the key for any request', async () => {
      const token = await acquire('fp-a');
      expect(await keys.release(ref, token)).toBe(true);
      const next = await acquire('fp-b');
      expect(next).not.toBe(token);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'mismatch' });
    });

    it('abandon keeps the key bound: the same request takes over at once, a different one is refused, the old token is powerless', async () => {
      const first = await acquire('fp-a');
      expect(await keys.abandon(ref, first)).toBe(true);
      expect(await keys.claim(ref, 'fp-b', LEASE_MS)).toEqual({ outcome: 'mismatch' });
      const second = await acquire('fp-a');
      expect(second).not.toBe(first);
      expect(await keys.complete(ref, first, { status: 201, body: { from: 'first' } })).toBe(false);
      expect(await keys.complete(ref, second, { status: 201, body: { from: 'second' } })).toBe(true);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'answered', answer: { status: 201, body: { from: 'second' } } });
    });

    it('a lapsed lease hands the key to the same request; renewing keeps it', async () => {
      const first = await acquire('fp-a');
      subject.clock.advance(LEASE_MS - 1);
      expect(await keys.renew(ref, first, LEASE_MS)).toBe(true);
      subject.clock.advance(LEASE_MS - 1);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'in_progress' });
      subject.clock.advance(1);
      expect(await keys.claim(ref, 'fp-b', LEASE_MS)).toEqual({ outcome: 'mismatch' });
      const second = await acquire('fp-a');
      expect(await keys.renew(ref, first, LEASE_MS)).toBe(false);
      expect(await keys.release(ref, first)).toBe(false);
      expect(await keys.release(ref, second)).toBe(true);
    });

    it('tokens that never held the key change nothing', async () => {
      expect(await keys.complete(ref, 'nobody', { status: 201, body: {} })).toBe(false);
      expect(await keys.renew(ref, 'nobody', LEASE_MS)).toBe(false);
      await acquire('fp-a');
      expect(await keys.release(ref, 'nobody')).toBe(false);
      expect(await keys.abandon(ref, 'nobody')).toBe(false);
      expect(await keys.claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'in_progress' });
    });

    it('of 40 concurrent claims from 4 connections exactly one acquires; the same request is in progress, the others mismatch', async () => {
      const connections = [keys, subject.open(), subject.open(), subject.open()];
      const claims = await Promise.all(
        Array.from({ length: 40 }, (_, index) => connections[index % 4].claim(ref, index % 3 === 0 ? 'fp-a' : 'fp-b', LEASE_MS)),
      );
      const winners = claims.flatMap((claim, index) => (claim.outcome === 'acquired' ? [index] : []));
      expect(winners).toHaveLength(1);
      const winning = winners[0] % 3 === 0 ? 'fp-a' : 'fp-b';
      const expected = claims.map((_, index): IdempotencyClaim['outcome'] =>
        index === winners[0] ? 'acquired' : (index % 3 === 0 ? 'fp-a' : 'fp-b') === winning ? 'in_progress' : 'mismatch',
      );
      expect(claims.map((claim) => claim.outcome)).toEqual(expected);
    });

    it('an answer written through one connection is read through another', async () => {
      const token = await acquire('fp-a');
      await keys.complete(ref, token, { status: 200, body: { results: [{ index: 0, status: 201 }] } });
      expect(await subject.open().claim(ref, 'fp-a', LEASE_MS)).toEqual({ outcome: 'answered', answer: { status: 200, body: { results: [{ index: 0, status: 201 }] } } });
    });

    it('never shows in the event store\'s global log', async () => {
      const head = await subject.events.headPosition();
      for (let index = 0; index < 5; index += 1) {
        const key = { ...ref, key: `${ref.key}-${index}` };
        const token = await acquire(`fp-${index}`, key);
        await keys.renew(key, token, LEASE_MS);
        if (index % 2 === 0) await keys.complete(key, token, { status: 201, body: { index } });
        else await keys.release(key, token);
      }
      // The store may be shared with other writers: no event after the head may carry anything of ours.
      const after = await subject.events.readAll({ after: head });
      expect(after.filter((event) => JSON.stringify(event).includes(ref.scope) || event.type.includes('Idempotency'))).toEqual([]);
    });
  });
}
