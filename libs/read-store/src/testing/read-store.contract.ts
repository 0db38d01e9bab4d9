// The ReadStore port's contract: every adapter's spec calls describeReadStoreContract with a factory
// and must pass it unchanged. Operator semantics are MongoDB's. Collection and checkpoint names get
// a random suffix per run, so the suite can share a server with other runs.
import { randomBytes } from 'node:crypto';
import { pastKeys, type KeysetField } from '../keyset-pages';
import type { AggregateRow, CollectionDefinition, Filter, FindOptions, ReadDocument, ReadStore, ReadStoreWrite, Scalar } from '../read-store.port';

export interface ReadStoreUnderTest {
  readonly store: ReadStore;
  dispose(): Promise<void>;
}

const upsert = (collection: string, doc: ReadDocument): ReadStoreWrite => ({ kind: 'upsert', collection, doc });
const remove = (collection: string, id: string, position: number): ReadStoreWrite => ({ kind: 'delete', collection, id, position });

/** Five people with every shape the filters care about: missing fields, nulls, arrays, nested objects. */
const PEOPLE: readonly ReadDocument[] = [
  {
    id: 'a',
    lastPosition: 1,
    name: 'Ada',
    age: 36,
    city: 'London',
    joinedAt: '2024-01-15T10:00:00.000Z',
    tags: ['vip', 'early'],
    profile: { email: 'ada@example.com', tier: 'gold' },
    spend: 120.5,
    active: true,
  },
  {
    id: 'b',
    lastPosition: 2,
    name: 'Bob',
    age: 25,
    city: 'Paris',
    joinedAt: '2024-03-01T09:00:00.000Z',
    tags: ['early'],
    profile: { email: 'bob@example.org', tier: 'silver' },
    spend: 80,
    active: false,
  },
  {
    id: 'c',
    lastPosition: 3,
    name: 'Cleo',
    age: 41,
    city: 'London',
    joinedAt: '2023-11-30T23:59:59.000Z',
    tags: [],
    profile: { tier: 'gold' },
    spend: 300,
    active: true,
  },
  // No age and no city at all.
  {
    id: 'd',
    lastPosition: 4,
    name: 'Dan',
    joinedAt: '2024-03-01T12:00:00.000Z',
    tags: ['vip'],
    profile: { email: 'dan@example.com', tier: 'bronze' },
    spend: 0,
    active: true,
  },
  // City explicitly null, no tags.
  {
    id: 'e',
    lastPosition: 5,
    name: 'Eve',
    age: 25,
    city: null,
    joinedAt: '2024-02-10T00:00:00.000Z',
    profile: { email: 'eve@example.com', tier: 'silver' },
    spend: 55.25,
    active: false,
  },
];

export function describeReadStoreContract(name: string, factory: () => Promise<ReadStoreUnderTest>): void {
  describe(`ReadStore contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    let sequence = 0;
    let underTest: ReadStoreUnderTest;
    let store: ReadStore;
    let people: string;
    let other: string;
    let checkpoint: string;

    const definitions = (): CollectionDefinition[] => [
      {
        name: people,
        indexes: [
          { fields: [{ field: 'name', direction: 'asc' }] },
          { fields: [{ field: 'city', direction: 'asc' }, { field: 'age', direction: 'desc' }] },
          { fields: [{ field: 'profile.email', direction: 'asc' }] },
          { fields: [{ field: 'id', direction: 'asc' }] },
        ],
      },
      { name: other, indexes: [{ fields: [{ field: 'code', direction: 'asc' }], unique: true }] },
    ];

    beforeEach(async () => {
      sequence += 1;
      people = `contract_${run}_${sequence}_people`;
      other = `contract_${run}_${sequence}_other`;
      checkpoint = `contract-${run}-${sequence}`;
      underTest = await factory();
      store = underTest.store;
      await store.ensureCollections(definitions());
    });

    afterEach(async () => {
      await store.clear([people, other]);
      await underTest.dispose();
    });

    const seed = (): Promise<void> => store.applyBatch(PEOPLE.map((doc) => upsert(people, doc)));
    const ids = async (filter: Filter): Promise<string[]> => (await store.find(people, filter)).map((doc) => doc.id).sort();
    const sortedIds = async (filter: Filter, options: FindOptions): Promise<string[]> =>
      (await store.find(people, filter, options)).map((doc) => doc.id);

    describe('collections and documents', () => {
      it('ensureCollections is idempotent: a second call with the same definitions changes nothing', async () => {
        await seed();
        await store.ensureCollections(definitions());
        expect(await store.count(people, {})).toBe(PEOPLE.length);
      });

      it('reads a collection nobody wrote to as empty', async () => {
        expect(await store.get(people, 'a')).toBeNull();
        expect(await store.find(people, {})).toEqual([]);
        expect(await store.count(people, {})).toBe(0);
        expect((await store.getMany(people, ['a'])).size).toBe(0);
      });

      it('upserts documents and reads them back whole: nested objects, arrays, nulls, booleans, numbers', async () => {
        await seed();
        for (const doc of PEOPLE) expect(await store.get(people, doc.id)).toEqual(doc);
        expect(await store.get(people, 'nobody')).toBeNull();
      });

      it('getMany returns the documents found by id, leaves out the missing ones, tolerates repeats', async () => {
        await seed();
        const found = await store.getMany(people, ['c', 'a', 'nobody', 'a']);
        expect([...found.keys()].sort()).toEqual(['a', 'c']);
        expect(found.get('a')).toEqual(PEOPLE[0]);
        expect(found.get('c')).toEqual(PEOPLE[2]);
        expect((await store.getMany(people, [])).size).toBe(0);
      });

      it('keeps collections apart', async () => {
        await store.applyBatch([upsert(people, { id: 'x', lastPosition: 1, where: 'people' }), upsert(other, { id: 'x', lastPosition: 1, where: 'other' })]);
        expect(await store.get(people, 'x')).toEqual({ id: 'x', lastPosition: 1, where: 'people' });
        expect(await store.get(other, 'x')).toEqual({ id: 'x', lastPosition: 1, where: 'other' });
      });

      it('a unique index refuses a second document with the same value', async () => {
        await store.applyBatch([upsert(other, { id: 'one', lastPosition: 1, code: 'A-1' })]);
        // Not toThrow(): a driver's native error may come from another realm under Jest (not `instanceof Error`).
        await expect(store.applyBatch([upsert(other, { id: 'two', lastPosition: 2, code: 'A-1' })])).rejects.toHaveProperty('message');
        expect(await store.get(other, 'two')).toBeNull();
        expect(await store.get(other, 'one')).toEqual({ id: 'one', lastPosition: 1, code: 'A-1' });
      });

      it('deletes a document', async () => {
        await seed();
        await store.applyBatch([remove(people, 'b', 10)]);
        expect(await store.get(people, 'b')).toBeNull();
        expect(await store.count(people, {})).toBe(PEOPLE.length - 1);
      });

      it('deleting a document that does not exist is a no-op', async () => {
        await expect(store.applyBatch([remove(people, 'nobody', 10)])).resolves.toBeUndefined();
        expect(await store.count(people, {})).toBe(0);
      });
    });

    describe('position guard', () => {
      const doc = (lastPosition: number, version: string): ReadDocument => ({ id: 'x', lastPosition, version });

      beforeEach(async () => {
        await store.applyBatch([upsert(people, doc(5, 'five'))]);
      });

      it('an upsert with an equal position is a no-op', async () => {
        await store.applyBatch([upsert(people, doc(5, 'again'))]);
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
      });

      it('an upsert with a lower position is a no-op', async () => {
        await store.applyBatch([upsert(people, doc(3, 'stale'))]);
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
      });

      it('an upsert with a higher position replaces the document', async () => {
        await store.applyBatch([upsert(people, { id: 'x', lastPosition: 7, other: 'shape' })]);
        expect(await store.get(people, 'x')).toEqual({ id: 'x', lastPosition: 7, other: 'shape' });
      });

      it('a delete with an equal or lower position is a no-op', async () => {
        await store.applyBatch([remove(people, 'x', 5)]);
        await store.applyBatch([remove(people, 'x', 4)]);
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
      });

      it('a delete with a higher position applies', async () => {
        await store.applyBatch([remove(people, 'x', 6)]);
        expect(await store.get(people, 'x')).toBeNull();
      });

      it('holds within one batch: the highest position wins whatever the order of the writes', async () => {
        await store.applyBatch([upsert(people, doc(10, 'ten')), upsert(people, doc(9, 'nine'))]);
        expect(await store.get(people, 'x')).toEqual(doc(10, 'ten'));
        await store.applyBatch([remove(people, 'x', 12), upsert(people, doc(11, 'eleven'))]);
        expect(await store.get(people, 'x')).toBeNull();
      });

      it('applies the fresh writes of a batch and skips its stale ones', async () => {
        await store.applyBatch([upsert(people, doc(4, 'stale')), upsert(people, { id: 'y', lastPosition: 4, version: 'new' })]);
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
        expect(await store.get(people, 'y')).toEqual({ id: 'y', lastPosition: 4, version: 'new' });
      });

      // A server may stop a batch at its first refused write (FerretDB stops even an unordered one):
      // a stale write first must not cost the fresh ones after it, nor let the checkpoint pass them.
      it('a stale write first in a batch does not drop the fresh writes after it: inserts, replacements, deletes', async () => {
        const at = (id: string, lastPosition: number, version: string): ReadDocument => ({ id, lastPosition, version });
        await store.applyBatch([upsert(people, at('y', 2, 'old')), upsert(people, at('z', 3, 'old')), upsert(people, at('w', 10, 'kept')), upsert(people, at('v', 4, 'kept'))]);
        await store.applyBatch(
          [
            upsert(people, doc(4, 'stale')),
            upsert(people, at('n1', 11, 'new')),
            upsert(people, at('y', 12, 'replaced')),
            remove(people, 'z', 13),
            remove(people, 'w', 9),
            upsert(people, at('n2', 14, 'new')),
            upsert(people, at('v', 3, 'stale')),
            upsert(people, at('n3', 15, 'new')),
          ],
          { name: checkpoint, position: 15 },
        );
        const all = await store.find(people, {}, { sort: [{ field: 'id', direction: 'asc' }] });
        expect(all).toEqual([at('n1', 11, 'new'), at('n2', 14, 'new'), at('n3', 15, 'new'), at('v', 4, 'kept'), at('w', 10, 'kept'), doc(5, 'five'), at('y', 12, 'replaced')]);
        expect(await store.getCheckpoint(checkpoint)).toBe(15);
      });

      it('a stale write in one collection does not drop the fresh writes of another in the same batch', async () => {
        await store.applyBatch([upsert(other, { id: 'o1', lastPosition: 10, code: 'O-1' })]);
        await store.applyBatch([
          upsert(other, { id: 'o1', lastPosition: 5, code: 'O-1', version: 'stale' }),
          upsert(people, { id: 'p1', lastPosition: 6 }),
          upsert(other, { id: 'o2', lastPosition: 7, code: 'O-2' }),
          upsert(people, doc(4, 'stale')),
          upsert(people, { id: 'p2', lastPosition: 8 }),
        ]);
        expect(await store.get(other, 'o1')).toEqual({ id: 'o1', lastPosition: 10, code: 'O-1' });
        expect(await store.get(other, 'o2')).toEqual({ id: 'o2', lastPosition: 7, code: 'O-2' });
        expect(await store.get(people, 'p1')).toEqual({ id: 'p1', lastPosition: 6 });
        expect(await store.get(people, 'p2')).toEqual({ id: 'p2', lastPosition: 8 });
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
      });

      it('a long batch with stale writes spread through it applies every fresh write and nothing stale', async () => {
        // 60 stored documents, then one batch that starts with a stale write and mixes stale and
        // fresh replacements (more than a server may take in one command), deletes and inserts.
        const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(3, '0')}`;
        const existing = Array.from({ length: 60 }, (_, i) => ({ id: name('e', i), lastPosition: 100, version: 'stored' }));
        await store.applyBatch(existing.map((d) => upsert(people, d)));

        const batch: ReadStoreWrite[] = [];
        const expected = new Map<string, ReadDocument>(existing.map((d) => [d.id, d]));
        existing.forEach((_, i) => {
          const id = name('e', i);
          if (i % 4 === 0) batch.push(upsert(people, { id, lastPosition: 50, version: 'stale' }));
          else if (i % 4 !== 3) {
            const fresh = { id, lastPosition: 1000 + i, version: 'fresh' };
            batch.push(upsert(people, fresh));
            expected.set(id, fresh);
          } else if (i < 30) {
            batch.push(remove(people, id, 2000 + i));
            expected.delete(id);
          } else batch.push(remove(people, id, 90));
          if (i % 2 === 1) {
            const added = { id: name('n', i), lastPosition: 3000 + i, version: 'new' };
            batch.push(upsert(people, added));
            expected.set(added.id, added);
          }
        });
        await store.applyBatch(batch, { name: checkpoint, position: 4000 });

        const all = await store.find(people, { id: { ne: 'x' } }, { sort: [{ field: 'id', direction: 'asc' }] });
        expect(all).toEqual([...expected.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
        expect(await store.getCheckpoint(checkpoint)).toBe(4000);
      });

      it('concurrent batches on one store: each document ends at its highest position, none is lost', async () => {
        // Two projectors overlapping (a Kafka rebalance): the same new documents, each side newer for
        // half of them, each batch led by a stale write to the stored document.
        const ids = Array.from({ length: 40 }, (_, i) => `c${String(i).padStart(2, '0')}`);
        const side = (name: string, newerWhen: (i: number) => boolean): ReadStoreWrite[] => [
          upsert(people, doc(1, `${name} stale`)),
          ...ids.map((id, i) => upsert(people, { id, lastPosition: newerWhen(i) ? 200 + i : 100 + i, by: name })),
        ];
        await Promise.all([store.applyBatch(side('left', (i) => i % 2 === 0)), store.applyBatch(side('right', (i) => i % 2 === 1))]);

        const all = await store.find(people, { id: { ne: 'x' } }, { sort: [{ field: 'id', direction: 'asc' }] });
        expect(all).toEqual(ids.map((id, i) => ({ id, lastPosition: 200 + i, by: i % 2 === 0 ? 'left' : 'right' })));
        expect(await store.get(people, 'x')).toEqual(doc(5, 'five'));
      });
    });

    describe('find with a typed filter', () => {
      beforeEach(seed);

      it('eq, and a bare scalar meaning eq', async () => {
        expect(await ids({ city: { eq: 'London' } })).toEqual(['a', 'c']);
        expect(await ids({ city: 'London' })).toEqual(['a', 'c']);
        expect(await ids({ age: 25 })).toEqual(['b', 'e']);
        expect(await ids({ spend: 80 })).toEqual(['b']);
        expect(await ids({ active: true })).toEqual(['a', 'c', 'd']);
        expect(await ids({ active: { eq: false } })).toEqual(['b', 'e']);
        expect(await ids({ name: 'Nobody' })).toEqual([]);
      });

      it('eq null matches null and missing fields', async () => {
        expect(await ids({ city: null })).toEqual(['d', 'e']);
        expect(await ids({ city: { eq: null } })).toEqual(['d', 'e']);
      });

      it('eq keeps types apart: a number never equals a string or a boolean', async () => {
        expect(await ids({ name: 36 })).toEqual([]);
        expect(await ids({ age: '36' })).toEqual([]);
        expect(await ids({ active: 1 })).toEqual([]);
        expect(await ids({ active: 0 })).toEqual([]);
        expect(await ids({ active: { in: [1, 0] } })).toEqual([]);
        expect(await ids({ active: { ne: 1 } })).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('eq keeps types apart: a string never equals an array or an object, even their JSON text', async () => {
        const ada = PEOPLE[0] as ReadDocument & { tags: unknown; profile: unknown };
        for (const text of [JSON.stringify(ada.tags), JSON.stringify(ada.profile)]) {
          expect(await ids({ tags: text })).toEqual([]);
          expect(await ids({ profile: text })).toEqual([]);
          expect(await ids({ tags: { in: [text] } })).toEqual([]);
          expect(await ids({ profile: { in: ['x', text] } })).toEqual([]);
        }
        expect(await ids({ profile: { prefix: '{' } })).toEqual([]);
        expect(await ids({ tags: { prefix: '[' } })).toEqual([]);
        expect(await ids({ profile: { prefix: '' } })).toEqual([]);
        expect(await ids({ age: { prefix: '3' } })).toEqual([]);
        expect(await ids({ active: { prefix: '' } })).toEqual([]);
      });

      it('ne matches documents where the field differs, is null or is missing', async () => {
        expect(await ids({ city: { ne: 'London' } })).toEqual(['b', 'd', 'e']);
        expect(await ids({ active: { ne: true } })).toEqual(['b', 'e']);
        expect(await ids({ city: { ne: null } })).toEqual(['a', 'b', 'c']);
      });

      it('gt, gte, lt, lte on numbers; a missing field never matches', async () => {
        expect(await ids({ age: { gt: 36 } })).toEqual(['c']);
        expect(await ids({ age: { gte: 36 } })).toEqual(['a', 'c']);
        expect(await ids({ age: { lt: 36 } })).toEqual(['b', 'e']);
        expect(await ids({ age: { lte: 36 } })).toEqual(['a', 'b', 'e']);
        expect(await ids({ spend: { gt: 100.25 } })).toEqual(['a', 'c']);
        expect(await ids({ age: { gte: 25, lt: 40 } })).toEqual(['a', 'b', 'e']);
      });

      it('gt, gte, lt, lte on ISO-8601 strings', async () => {
        expect(await ids({ joinedAt: { gt: '2024-01-31T00:00:00.000Z' } })).toEqual(['b', 'd', 'e']);
        expect(await ids({ joinedAt: { gte: '2024-03-01T09:00:00.000Z' } })).toEqual(['b', 'd']);
        expect(await ids({ joinedAt: { lt: '2024-01-01T00:00:00.000Z' } })).toEqual(['c']);
        expect(await ids({ joinedAt: { lte: '2024-03-01T09:00:00.000Z' } })).toEqual(['a', 'b', 'c', 'e']);
        expect(await ids({ joinedAt: { gte: '2024-01-01T00:00:00.000Z', lt: '2024-03-01T00:00:00.000Z' } })).toEqual(['a', 'e']);
      });

      it('range operators compare only values of the same type', async () => {
        expect(await ids({ name: { gt: 0 } })).toEqual([]);
        expect(await ids({ age: { lt: 'zzz' } })).toEqual([]);
      });

      it('in matches any listed value; a null in the list matches null and missing', async () => {
        expect(await ids({ city: { in: ['Paris', 'Berlin'] } })).toEqual(['b']);
        expect(await ids({ age: { in: [25, 41] } })).toEqual(['b', 'c', 'e']);
        expect(await ids({ city: { in: [null, 'Paris'] } })).toEqual(['b', 'd', 'e']);
        expect(await ids({ active: { in: [false] } })).toEqual(['b', 'e']);
        expect(await ids({ city: { in: [] } })).toEqual([]);
      });

      it('prefix: case-sensitive string start', async () => {
        expect(await ids({ name: { prefix: 'B' } })).toEqual(['b']);
        expect(await ids({ name: { prefix: 'b' } })).toEqual([]);
        expect(await ids({ 'profile.email': { prefix: 'ada@' } })).toEqual(['a']);
        expect(await ids({ 'profile.email': { prefix: 'd' } })).toEqual(['d']);
        expect(await ids({ name: { prefix: 'Cleo' } })).toEqual(['c']);
        expect(await ids({ name: { prefix: 'Cleopatra' } })).toEqual([]);
      });

      it('contains: an array field holding the value', async () => {
        expect(await ids({ tags: { contains: 'vip' } })).toEqual(['a', 'd']);
        expect(await ids({ tags: { contains: 'early' } })).toEqual(['a', 'b']);
        expect(await ids({ tags: { contains: 'nobody' } })).toEqual([]);
      });

      it('exists: present (even as null) or missing', async () => {
        expect(await ids({ age: { exists: true } })).toEqual(['a', 'b', 'c', 'e']);
        expect(await ids({ age: { exists: false } })).toEqual(['d']);
        expect(await ids({ city: { exists: true } })).toEqual(['a', 'b', 'c', 'e']);
        expect(await ids({ tags: { exists: false } })).toEqual(['e']);
      });

      it('nested dotted paths', async () => {
        expect(await ids({ 'profile.tier': 'gold' })).toEqual(['a', 'c']);
        expect(await ids({ 'profile.email': { exists: false } })).toEqual(['c']);
        expect(await ids({ 'profile.tier': { in: ['bronze', 'silver'] } })).toEqual(['b', 'd', 'e']);
      });

      it('id is a field like any other', async () => {
        expect(await ids({ id: 'c' })).toEqual(['c']);
        expect(await ids({ id: { in: ['a', 'e', 'nobody'] } })).toEqual(['a', 'e']);
      });

      it('several fields in one filter must all hold', async () => {
        expect(await ids({ city: 'London', age: { lt: 40 } })).toEqual(['a']);
        expect(await ids({})).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('and / or, nested', async () => {
        expect(await ids({ and: [{ 'profile.tier': 'gold' }, { tags: { contains: 'vip' } }] })).toEqual(['a']);
        expect(await ids({ or: [{ city: 'Paris' }, { age: { gt: 40 } }] })).toEqual(['b', 'c']);
        expect(await ids({ or: [{ and: [{ city: 'London' }, { age: { lt: 40 } }] }, { name: 'Dan' }] })).toEqual(['a', 'd']);
        expect(await ids({ and: [{ or: [{ city: 'London' }, { city: 'Paris' }] }, { or: [{ age: 25 }, { age: 41 }] }] })).toEqual(['b', 'c']);
        expect(await ids({ and: [] })).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(await ids({ or: [] })).toEqual([]);
      });
    });

    describe('sort, limit, skip', () => {
      beforeEach(seed);

      it('sorts on one field, ascending and descending; missing sorts as null (first ascending); ties by id', async () => {
        expect(await sortedIds({}, { sort: [{ field: 'age', direction: 'asc' }] })).toEqual(['d', 'b', 'e', 'a', 'c']);
        expect(await sortedIds({}, { sort: [{ field: 'age', direction: 'desc' }] })).toEqual(['c', 'a', 'b', 'e', 'd']);
        expect(await sortedIds({}, { sort: [{ field: 'joinedAt', direction: 'desc' }] })).toEqual(['d', 'b', 'e', 'a', 'c']);
      });

      it('sorts on two fields', async () => {
        const byCityThenAgeDesc = await sortedIds({}, { sort: [{ field: 'city', direction: 'asc' }, { field: 'age', direction: 'desc' }] });
        expect(byCityThenAgeDesc).toEqual(['e', 'd', 'c', 'a', 'b']);
        const byTierThenNameDesc = await sortedIds({}, { sort: [{ field: 'profile.tier', direction: 'desc' }, { field: 'name', direction: 'desc' }] });
        expect(byTierThenNameDesc).toEqual(['e', 'b', 'c', 'a', 'd']);
      });

      it('limit and skip page through a sorted result', async () => {
        const byName = [{ field: 'name', direction: 'asc' }] as const;
        expect(await sortedIds({}, { sort: byName, limit: 2 })).toEqual(['a', 'b']);
        expect(await sortedIds({}, { sort: byName, skip: 1, limit: 2 })).toEqual(['b', 'c']);
        expect(await sortedIds({}, { sort: byName, skip: 3 })).toEqual(['d', 'e']);
        expect(await sortedIds({}, { sort: byName, skip: 10 })).toEqual([]);
        expect(await sortedIds({}, { sort: byName, limit: 0 })).toEqual([]);
        expect(await sortedIds({ city: 'London' }, { sort: byName, limit: 1 })).toEqual(['a']);
      });
      it('pages past a row by its keys (pastKeys), null and missing keys included, each document once and in order', async () => {
        const orders: KeysetField[][] = [
          [{ field: 'city', direction: 'asc', nullable: true }, { field: 'age', direction: 'desc', nullable: true }, { field: 'id', direction: 'asc' }],
          [{ field: 'city', direction: 'desc', nullable: true }, { field: 'age', direction: 'asc', nullable: true }, { field: 'id', direction: 'desc' }],
          [{ field: 'age', direction: 'desc', nullable: true }, { field: 'id', direction: 'asc' }],
        ];
        for (const order of orders) {
          const all = await sortedIds({}, { sort: order });
          for (const pageSize of [1, 2]) {
            const seen: string[] = [];
            for (let keys: Scalar[] | undefined; ; ) {
              const page = await store.find(people, keys === undefined ? {} : pastKeys(order, keys), { sort: order, limit: pageSize });
              seen.push(...page.map((doc) => doc.id));
              const last = page[page.length - 1];
              if (page.length < pageSize || last === undefined) break;
              keys = order.map((field) => (last[field.field] ?? null) as Scalar);
            }
            expect({ order: order.map((field) => `${field.field} ${field.direction}`), pageSize, seen }).toEqual({ order: order.map((field) => `${field.field} ${field.direction}`), pageSize, seen: all });
          }
        }
        expect(await sortedIds({}, { sort: orders[0] })).toEqual(['e', 'd', 'c', 'a', 'b']);
      });
    });

    describe('count and aggregate', () => {
      beforeEach(seed);

      it('counts matching documents', async () => {
        expect(await store.count(people, {})).toBe(5);
        expect(await store.count(people, { city: 'London' })).toBe(2);
        expect(await store.count(people, { or: [{ age: { gt: 40 } }, { age: { exists: false } }] })).toBe(2);
        expect(await store.count(people, { name: 'Nobody' })).toBe(0);
      });

      it('aggregates without groupBy: one row for the whole match; sums skip missing values', async () => {
        expect(await store.aggregate(people, {}, { groupBy: [], sum: ['spend', 'age'] })).toEqual<AggregateRow[]>([
          { key: {}, count: 5, sums: { spend: 555.75, age: 127 } },
        ]);
        expect(await store.aggregate(people, { city: 'London' }, { groupBy: [] })).toEqual<AggregateRow[]>([{ key: {}, count: 2, sums: {} }]);
        expect(await store.aggregate(people, { name: 'Nobody' }, { groupBy: [], sum: ['spend'] })).toEqual([]);
      });

      it('aggregates by one field, rows ordered by key', async () => {
        expect(await store.aggregate(people, {}, { groupBy: ['profile.tier'], sum: ['spend'] })).toEqual<AggregateRow[]>([
          { key: { 'profile.tier': 'bronze' }, count: 1, sums: { spend: 0 } },
          { key: { 'profile.tier': 'gold' }, count: 2, sums: { spend: 420.5 } },
          { key: { 'profile.tier': 'silver' }, count: 2, sums: { spend: 135.25 } },
        ]);
        expect(await store.aggregate(people, { age: { exists: true } }, { groupBy: ['age'] })).toEqual<AggregateRow[]>([
          { key: { age: 25 }, count: 2, sums: {} },
          { key: { age: 36 }, count: 1, sums: {} },
          { key: { age: 41 }, count: 1, sums: {} },
        ]);
      });

      it('aggregates by two fields', async () => {
        expect(await store.aggregate(people, { spend: { gt: 0 } }, { groupBy: ['profile.tier', 'active'], sum: ['spend', 'age'] })).toEqual<
          AggregateRow[]
        >([
          { key: { 'profile.tier': 'gold', active: true }, count: 2, sums: { spend: 420.5, age: 77 } },
          { key: { 'profile.tier': 'silver', active: false }, count: 2, sums: { spend: 135.25, age: 50 } },
        ]);
      });
    });

    describe('aggregate sums', () => {
      // Fact rows like the daily KPIs: nested measures, some missing, one not a number, one null.
      const ROWS: readonly ReadDocument[] = [
        { id: 'r1', lastPosition: 1, day: '2024-01-01', channel: 'web', m: { orders: 1, revenue: 1000, refunds: 0 }, nps: { count: 1, promoters: 1 } },
        { id: 'r2', lastPosition: 2, day: '2024-01-01', channel: 'web', m: { orders: 2, revenue: 250, refunds: 100 }, nps: { count: 0, promoters: 0 } },
        { id: 'r3', lastPosition: 3, day: '2024-01-01', channel: 'shop', m: { orders: 1, revenue: 99.5 }, nps: { count: 2, promoters: 1 } },
        { id: 'r4', lastPosition: 4, day: '2024-01-02', channel: 'web', m: { orders: 3, revenue: 'n/a', refunds: 5 } },
        { id: 'r5', lastPosition: 5, day: '2024-01-02', channel: 'shop', m: { orders: 0, revenue: 10, refunds: null } },
      ];
      const MEASURES = ['m.orders', 'm.revenue', 'm.refunds', 'nps.count', 'nps.promoters'];

      beforeEach(() => store.applyBatch(ROWS.map((row) => upsert(people, row))));

      it('every listed sum is right, not only the first, grouped by two fields', async () => {
        expect(await store.aggregate(people, {}, { groupBy: ['day', 'channel'], sum: MEASURES })).toEqual<AggregateRow[]>([
          { key: { day: '2024-01-01', channel: 'shop' }, count: 1, sums: { 'm.orders': 1, 'm.revenue': 99.5, 'm.refunds': 0, 'nps.count': 2, 'nps.promoters': 1 } },
          { key: { day: '2024-01-01', channel: 'web' }, count: 2, sums: { 'm.orders': 3, 'm.revenue': 1250, 'm.refunds': 100, 'nps.count': 1, 'nps.promoters': 1 } },
          { key: { day: '2024-01-02', channel: 'shop' }, count: 1, sums: { 'm.orders': 0, 'm.revenue': 10, 'm.refunds': 0, 'nps.count': 0, 'nps.promoters': 0 } },
          { key: { day: '2024-01-02', channel: 'web' }, count: 1, sums: { 'm.orders': 3, 'm.revenue': 0, 'm.refunds': 5, 'nps.count': 0, 'nps.promoters': 0 } },
        ]);
      });

      it('the same totals whatever the order of the sums, with and without a filter', async () => {
        const totals = { 'm.orders': 7, 'm.revenue': 1359.5, 'm.refunds': 105, 'nps.count': 3, 'nps.promoters': 2 };
        expect(await store.aggregate(people, {}, { groupBy: [], sum: MEASURES })).toEqual<AggregateRow[]>([{ key: {}, count: 5, sums: totals }]);
        expect(await store.aggregate(people, {}, { groupBy: [], sum: [...MEASURES].reverse() })).toEqual<AggregateRow[]>([{ key: {}, count: 5, sums: totals }]);
        expect(await store.aggregate(people, { channel: 'web' }, { groupBy: ['day'], sum: ['nps.promoters', 'm.refunds', 'm.orders'] })).toEqual<AggregateRow[]>([
          { key: { day: '2024-01-01' }, count: 2, sums: { 'nps.promoters': 1, 'm.refunds': 100, 'm.orders': 3 } },
          { key: { day: '2024-01-02' }, count: 1, sums: { 'nps.promoters': 0, 'm.refunds': 5, 'm.orders': 3 } },
        ]);
      });

      it('sums over the seeded people, three fields in one call', async () => {
        await store.clear([people]);
        await seed();
        expect(await store.aggregate(people, {}, { groupBy: ['active'], sum: ['age', 'spend', 'lastPosition'] })).toEqual<AggregateRow[]>([
          { key: { active: false }, count: 2, sums: { age: 50, spend: 135.25, lastPosition: 7 } },
          { key: { active: true }, count: 3, sums: { age: 77, spend: 420.5, lastPosition: 8 } },
        ]);
      });
    });

    describe('checkpoints', () => {
      it('is null for a projector that never stored one', async () => {
        expect(await store.getCheckpoint(checkpoint)).toBeNull();
      });

      it('applyBatch stores the checkpoint with the writes, and getCheckpoint reads it back', async () => {
        await store.applyBatch([upsert(people, PEOPLE[0] as ReadDocument)], { name: checkpoint, position: 10 });
        expect(await store.getCheckpoint(checkpoint)).toBe(10);
        expect(await store.get(people, 'a')).toEqual(PEOPLE[0]);
        await store.applyBatch([], { name: checkpoint, position: 12 });
        expect(await store.getCheckpoint(checkpoint)).toBe(12);
        expect(await store.getCheckpoint(`${checkpoint}-other`)).toBeNull();
      });

      it('applyBatch stores several checkpoints with the writes, each read back by name; an empty list stores none', async () => {
        await store.applyBatch([upsert(people, PEOPLE[0] as ReadDocument)], [
          { name: `${checkpoint}-own`, position: 20 },
          { name: `${checkpoint}-partition-3`, position: 17 },
        ]);
        expect(await store.getCheckpoint(`${checkpoint}-own`)).toBe(20);
        expect(await store.getCheckpoint(`${checkpoint}-partition-3`)).toBe(17);
        expect((await store.get(people, PEOPLE[0].id))?.lastPosition).toBe(PEOPLE[0].lastPosition);
        await store.applyBatch([], [{ name: `${checkpoint}-own`, position: 21 }]);
        await store.applyBatch([upsert(people, { ...(PEOPLE[0] as ReadDocument), lastPosition: PEOPLE[0].lastPosition + 100 })], []);
        expect(await store.getCheckpoint(`${checkpoint}-own`)).toBe(21);
        expect(await store.getCheckpoint(`${checkpoint}-partition-3`)).toBe(17);
        expect((await store.get(people, PEOPLE[0].id))?.lastPosition).toBe(PEOPLE[0].lastPosition + 100);
        const ours = (await store.listCheckpoints()).filter((c) => c.name.startsWith(checkpoint));
        expect(ours).toEqual([
          { name: `${checkpoint}-own`, position: 21 },
          { name: `${checkpoint}-partition-3`, position: 17 },
        ]);
      });

      it('moves only with applyBatch: writes without a checkpoint and clear() leave it where it is', async () => {
        await store.applyBatch([], { name: checkpoint, position: 10 });
        await store.applyBatch([upsert(people, { id: 'z', lastPosition: 11 })]);
        await store.clear([people, other]);
        expect(await store.getCheckpoint(checkpoint)).toBe(10);
      });

      it('is set to the given position, even a lower one (a rebuild resets it to 0)', async () => {
        await store.applyBatch([], { name: checkpoint, position: 10 });
        await store.applyBatch([], { name: checkpoint, position: 0 });
        expect(await store.getCheckpoint(checkpoint)).toBe(0);
      });

      it('lists every checkpoint and deletes one by name', async () => {
        await store.applyBatch([], { name: `${checkpoint}-a`, position: 3 });
        await store.applyBatch([], { name: `${checkpoint}-b`, position: 7 });
        const ours = (await store.listCheckpoints()).filter((c) => c.name.startsWith(checkpoint));
        expect(ours).toEqual([
          { name: `${checkpoint}-a`, position: 3 },
          { name: `${checkpoint}-b`, position: 7 },
        ]);
        await store.deleteCheckpoint(`${checkpoint}-a`);
        await store.deleteCheckpoint(`${checkpoint}-never`);
        expect(await store.getCheckpoint(`${checkpoint}-a`)).toBeNull();
        expect(await store.getCheckpoint(`${checkpoint}-b`)).toBe(7);
      });
    });

    describe('drop', () => {
      it('removes the listed collections with their documents; they read as empty and take writes again; others stay', async () => {
        await seed();
        await store.applyBatch([upsert(other, { id: 'kept', lastPosition: 9, code: 'x' })]);
        await store.drop([people, `${people}_never_created`]);
        expect(await store.count(people, {})).toBe(0);
        expect(await store.find(people, { city: 'London' })).toEqual([]);
        expect(await store.get(other, 'kept')).toEqual({ id: 'kept', lastPosition: 9, code: 'x' });
        await store.applyBatch([upsert(people, { id: 'a', lastPosition: 1, name: 'Ada again' })]);
        expect(await store.get(people, 'a')).toEqual({ id: 'a', lastPosition: 1, name: 'Ada again' });
      });
    });

    describe('purge', () => {
      it('leaves every document, index and checkpoint as it was, for listed and unknown collections alike', async () => {
        await seed();
        await store.applyBatch([upsert(people, { id: 'a', lastPosition: 50, name: 'Scrubbed' }), { kind: 'delete', collection: people, id: 'b', position: 50 }], { name: checkpoint, position: 50 });
        const before = await store.find(people, {}, { sort: [{ field: 'id', direction: 'asc' }] });
        await store.purge([people, `${people}_never_created`]);
        expect(await store.find(people, {}, { sort: [{ field: 'id', direction: 'asc' }] })).toEqual(before);
        expect(await ids({ name: 'Scrubbed' })).toEqual(['a']);
        expect(await store.getCheckpoint(checkpoint)).toBe(50);
      });
    });

    describe('clear', () => {
      it('drops every document of the listed collections only, and the guard starts afresh', async () => {
        await seed();
        await store.applyBatch([upsert(other, { id: 'kept', lastPosition: 9 })]);
        await store.clear([people]);
        expect(await store.count(people, {})).toBe(0);
        expect(await store.get(other, 'kept')).toEqual({ id: 'kept', lastPosition: 9 });
        await store.applyBatch([upsert(people, { id: 'a', lastPosition: 1, name: 'Ada again' })]);
        expect(await store.get(people, 'a')).toEqual({ id: 'a', lastPosition: 1, name: 'Ada again' });
      });
    });
  });
}
