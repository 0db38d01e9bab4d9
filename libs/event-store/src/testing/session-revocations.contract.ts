// The SessionRevocations port's contract suite: every adapter's integration spec calls it with a
// factory. It assumes a possibly shared store: fresh session ids per test.
import { randomBytes } from 'node:crypto';
import { InvalidInstantError } from '@app/event-sourcing';
import type { EventStore } from '../event-store.port';
import type { SessionRevocations } from '../session-revocations.port';

export interface SessionRevocationsUnderTest {
  /** A connection to the store, as one process would have; several may be open at once. */
  open(): SessionRevocations;
  /** The event store on the same storage: revocations must never show in its global log. */
  readonly events: EventStore;
  /** Closes what open() gave out and the store. */
  dispose(): Promise<void>;
}

const HOUR = 3_600_000;
const sessionId = (): string => randomBytes(18).toString('base64url');

export function describeSessionRevocationsContract(name: string, factory: () => Promise<SessionRevocationsUnderTest>): void {
  describe(`SessionRevocations contract: ${name}`, () => {
    let subject: SessionRevocationsUnderTest;

    beforeEach(async () => {
      subject = await factory();
    });

    afterEach(() => subject.dispose());

    it('knows no session until it is revoked, then knows it revoked', async () => {
      const revocations = subject.open();
      const [sid, other] = [sessionId(), sessionId()];
      expect(await revocations.isRevoked(sid)).toBe(false);
      await revocations.revoke(sid, new Date(Date.now() + 12 * HOUR));
      expect(await revocations.isRevoked(sid)).toBe(true);
      expect(await revocations.isRevoked(other)).toBe(false);
    });

    it('refuses an Invalid Date `until` with an InvalidInstantError naming it, recording nothing', async () => {
      const revocations = subject.open();
      const sid = sessionId();
      await expect(revocations.revoke(sid, new Date('not a date'))).rejects.toBeInstanceOf(InvalidInstantError);
      await expect(revocations.revoke(sid, new Date(Number.NaN))).rejects.toMatchObject({ argument: 'until' });
      expect(await revocations.isRevoked(sid)).toBe(false);
    });

    it('shows a sign-out made through one connection to every other, including ones opened before it', async () => {
      const [first, second] = [subject.open(), subject.open()];
      const sid = sessionId();
      expect(await second.isRevoked(sid)).toBe(false);
      await first.revoke(sid, new Date(Date.now() + HOUR));
      expect(await second.isRevoked(sid)).toBe(true);
      expect(await subject.open().isRevoked(sid)).toBe(true);
    });

    it('takes a second sign-out of the same session, from any connection, without error', async () => {
      const [first, second] = [subject.open(), subject.open()];
      const sid = sessionId();
      await first.revoke(sid, new Date(Date.now() + HOUR));
      await second.revoke(sid, new Date(Date.now() + HOUR));
      await Promise.all([first.revoke(sid, new Date(Date.now() + HOUR)), second.revoke(sid, new Date(Date.now() + HOUR))]);
      expect(await first.isRevoked(sid)).toBe(true);
    });

    it('keeps revocations out of the global log', async () => {
      const head = await subject.events.headPosition();
      const sid = sessionId();
      await subject.open().revoke(sid, new Date(Date.now() + HOUR));
      // The store may be shared with other writers: no event after the head may carry anything of ours.
      const after = await subject.events.readAll({ after: head });
      expect(after.filter((event) => JSON.stringify(event).includes(sid) || event.type.includes('Session'))).toEqual([]);
    });
  });
}
