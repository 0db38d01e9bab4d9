import type { ReadStoreWrite } from '../read-store.port';
import { latestWritePerDocument } from './mongo-read-store';

const upsert = (collection: string, id: string, lastPosition: number): ReadStoreWrite => ({
  kind: 'upsert',
  collection,
  doc: { id, lastPosition },
});
const remove = (collection: string, id: string, position: number): ReadStoreWrite => ({ kind: 'delete', collection, id, position });

describe('latestWritePerDocument', () => {
  it('keeps only the newest write of each document, so writes sent grouped by kind cannot resurrect a deleted one', () => {
    const writes = [upsert('c360', 'a', 5), upsert('timeline', 'a', 5), remove('c360', 'a', 7), upsert('c360', 'b', 6)];
    expect(latestWritePerDocument(writes)).toEqual([upsert('timeline', 'a', 5), remove('c360', 'a', 7), upsert('c360', 'b', 6)]);
  });

  it('prefers the highest position over batch order, and the later write on a tie', () => {
    const tieLater: ReadStoreWrite = { kind: 'upsert', collection: 'c360', doc: { id: 'a', lastPosition: 9, name: 'later' } };
    expect(latestWritePerDocument([upsert('c360', 'a', 9), upsert('c360', 'a', 4)])).toEqual([upsert('c360', 'a', 9)]);
    expect(latestWritePerDocument([upsert('c360', 'a', 9), tieLater])).toEqual([tieLater]);
  });
});
