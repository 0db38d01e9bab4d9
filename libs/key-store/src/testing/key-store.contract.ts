// The KeyStore contract: what every adapter (SQLite file, MongoDB collection) must do. Each adapter's
// spec calls describeKeyStoreContract with a factory; `open` gives a new connection to the same
// store (as another process would have), with the master key ring given.
import { randomUUID } from 'node:crypto';
import { InvalidInstantError } from '@app/event-sourcing';
import { DataKeyDestroyedError, type ErasureRequest, type KeyStore } from '../key-store.port';
import { MasterKeyRing } from '../master-key-ring';

export interface KeyStoreFixture {
  open(ring: MasterKeyRing): KeyStore | Promise<KeyStore>;
  dispose(): Promise<void>;
}

const request = (reason: string): ErasureRequest => ({
  reason,
  requestedAt: '2026-05-01T10:00:00.000Z',
  context: { actor: { type: 'service', id: 'key-admin', role: 'admin' }, correlationId: 'corr-1' },
});

export function describeKeyStoreContract(name: string, factory: () => Promise<KeyStoreFixture>): void {
  describe(`KeyStore contract: ${name}`, () => {
    const ring = new MasterKeyRing([Buffer.alloc(32, 1)]);
    let fixture: KeyStoreFixture;
    let store: KeyStore;
    const opened: KeyStore[] = [];
    const open = async (with_ = ring) => {
      const another = await fixture.open(with_);
      opened.push(another);
      return another;
    };
    const customer = () => `c-${randomUUID()}`;

    beforeEach(async () => {
      fixture = await factory();
      store = await open();
    });

    afterEach(async () => {
      for (const one of opened.splice(0)) await one.close();
      await fixture.dispose();
    });

    it('creates a 32-byte key on first use and answers the same key afterwards, here and in another connection', async () => {
      const c = customer();
      expect(await store.get(c)).toEqual({ state: 'none' });
      const key = await store.getOrCreate(c);
      expect(key.customerId).toBe(c);
      expect(key.key).toHaveLength(32);
      expect(key.keyId).toEqual(expect.any(String));
      expect(await store.getOrCreate(c)).toEqual(key);
      const other = await open();
      expect(await other.get(c)).toEqual({ state: 'live', key });
    });

    it('gives every customer a key of their own', async () => {
      const [a, b] = [await store.getOrCreate(customer()), await store.getOrCreate(customer())];
      expect(a.keyId).not.toBe(b.keyId);
      expect(a.key.equals(b.key)).toBe(false);
    });

    it('hands the same key to 20 concurrent first uses across two connections', async () => {
      const c = customer();
      const other = await open();
      const keys = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).getOrCreate(c)));
      expect(new Set(keys.map((key) => key.keyId)).size).toBe(1);
      expect(new Set(keys.map((key) => key.key.toString('hex'))).size).toBe(1);
    });

    it('destroys a key for good: get says destroyed with the erasure, getOrCreate refuses, in every connection', async () => {
      const c = customer();
      const key = await store.getOrCreate(c);
      const erasure = await store.destroy(c, request('GDPR art. 17'), '2026-05-01T10:00:01.000Z');
      expect(erasure).toEqual({ customerId: c, keyId: key.keyId, request: request('GDPR art. 17'), destroyedAt: '2026-05-01T10:00:01.000Z', completedAt: null });
      const other = await open();
      for (const connection of [store, other]) {
        expect(await connection.get(c)).toEqual({ state: 'destroyed', erasure });
        await expect(connection.getOrCreate(c)).rejects.toBeInstanceOf(DataKeyDestroyedError);
      }
    });

    it('keeps the first erasure when destroyed again', async () => {
      const c = customer();
      await store.getOrCreate(c);
      const first = await store.destroy(c, request('first'), '2026-05-01T10:00:01.000Z');
      expect(await (await open()).destroy(c, request('second'), '2026-05-01T11:00:00.000Z')).toEqual(first);
    });

    it('records the erasure of a customer who never had a key, so no key is made for them later', async () => {
      const c = customer();
      const erasure = await store.destroy(c, request('never encrypted'), '2026-05-01T10:00:01.000Z');
      expect(erasure.keyId).toBeNull();
      await expect(store.getOrCreate(c)).rejects.toBeInstanceOf(DataKeyDestroyedError);
    });

    it.each(['2026-02-30T10:00:00Z', '2026-05-01T10:00:00', 'yesterday', ''])('refuses %j as a destroy\'s `at` or `request.requestedAt` with an InvalidInstantError naming it, keeping the key', async (bad) => {
      const c = customer();
      const key = await store.getOrCreate(c);
      for (const [argument, destroying] of [
        ['at', store.destroy(c, request('bad at'), bad)],
        ['request.requestedAt', store.destroy(c, { ...request('bad requestedAt'), requestedAt: bad }, '2026-05-01T10:00:01.000Z')],
      ] as const) {
        const refused = await destroying.then(() => undefined, (error: unknown) => error);
        expect(refused).toBeInstanceOf(InvalidInstantError);
        expect((refused as InvalidInstantError).argument).toBe(argument);
      }
      for (const connection of [store, await open()]) expect(await connection.get(c)).toEqual({ state: 'live', key });
      expect((await store.pendingErasures(1_000)).map((erasure) => erasure.customerId)).not.toContain(c);
    });

    it.each(['2026-02-30T10:00:00Z', 'yesterday', ''])('refuses %j as the `at` of completeErasure with an InvalidInstantError, leaving the erasure pending', async (bad) => {
      const c = customer();
      await store.destroy(c, request('pending'), '2026-05-01T10:00:01.000Z');
      const refused = await store.completeErasure(c, bad).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(InvalidInstantError);
      expect((refused as InvalidInstantError).argument).toBe('at');
      expect((await store.pendingErasures(1_000)).map((erasure) => erasure.customerId)).toContain(c);
      expect(await store.get(c)).toMatchObject({ state: 'destroyed', erasure: { completedAt: null } });
    });

    it('lists erasures until they are confirmed complete, oldest first', async () => {
      const [a, b, c] = [customer(), customer(), customer()];
      await store.getOrCreate(a);
      await store.destroy(b, request('b'), '2026-05-01T10:00:02.000Z');
      await store.destroy(a, request('a'), '2026-05-01T10:00:01.000Z');
      await store.destroy(c, request('c'), '2026-05-01T10:00:03.000Z');
      const pending = async () => (await store.pendingErasures()).map((erasure) => erasure.customerId).filter((id) => [a, b, c].includes(id));
      expect(await pending()).toEqual([a, b, c]);
      await store.completeErasure(b, '2026-05-01T10:00:05.000Z');
      await store.completeErasure(b, '2026-05-01T10:00:06.000Z');
      expect(await pending()).toEqual([a, c]);
      expect(await store.get(b)).toMatchObject({ state: 'destroyed', erasure: { completedAt: '2026-05-01T10:00:05.000Z' } });
    });

    it('keeps keys wrapped by the master key: another master key cannot read them; rewrap moves them to the ring\'s current key', async () => {
      const c = customer();
      const key = await store.getOrCreate(c);
      const newMaster = new MasterKeyRing([Buffer.alloc(32, 2)]);
      await expect((await open(newMaster)).get(c)).rejects.toThrow(ring.currentId);

      const rotating = await open(new MasterKeyRing([Buffer.alloc(32, 2), Buffer.alloc(32, 1)]));
      expect(await rotating.get(c)).toEqual({ state: 'live', key });
      expect(await rotating.rewrap()).toBeGreaterThanOrEqual(1);
      expect(await rotating.rewrap()).toBe(0);
      expect(await (await open(newMaster)).get(c)).toEqual({ state: 'live', key });
      await expect((await open(ring)).get(c)).rejects.toThrow(newMaster.currentId);
    });
  });
}
