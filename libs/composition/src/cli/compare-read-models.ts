// Compares two sets of read models document by document (a live generation against a rebuild), paging
// through each collection by id so millions of documents never sit in memory at once.
import { isDeepStrictEqual } from 'node:util';
import { keysetPages, type ReadDocument, type ReadStore } from '@app/read-store';
import { CHRONICLE_COLLECTIONS } from '../read-models';

export interface ReadModelDifference {
  readonly collection: string;
  readonly id: string;
  readonly kind: 'only-left' | 'only-right' | 'differs';
  readonly left?: ReadDocument;
  readonly right?: ReadDocument;
}

export interface ReadModelComparison {
  /** Documents looked at, both sides together counted once per id. */
  readonly compared: number;
  readonly differences: readonly ReadModelDifference[];
}

/** Every collection the projector writes. */
export function projectedCollections(): string[] {
  return [...CHRONICLE_COLLECTIONS];
}

async function* pages(store: ReadStore, collection: string, pageSize: number): AsyncGenerator<ReadDocument> {
  for await (const page of keysetPages(store, collection, {}, { sort: [{ field: 'id', direction: 'asc' }], pageSize, past: (last) => ({ id: { gt: last.id } }) })) yield* page;
}

/** Merges the two id-ordered streams of each collection and lists every document that is not the same. */
export async function compareReadModels(
  left: ReadStore,
  right: ReadStore,
  options: { collections?: readonly string[]; pageSize?: number; maxDifferences?: number } = {},
): Promise<ReadModelComparison> {
  const pageSize = options.pageSize ?? 500;
  const maxDifferences = options.maxDifferences ?? 1000;
  const differences: ReadModelDifference[] = [];
  let compared = 0;
  for (const collection of options.collections ?? projectedCollections()) {
    const a = pages(left, collection, pageSize);
    const b = pages(right, collection, pageSize);
    let x = await a.next();
    let y = await b.next();
    while (!x.done || !y.done) {
      compared++;
      if (y.done || (!x.done && x.value.id < y.value.id)) {
        const doc = x.value as ReadDocument;
        differences.push({ collection, id: doc.id, kind: 'only-left', left: doc });
        x = await a.next();
      } else if (x.done || y.value.id < x.value.id) {
        differences.push({ collection, id: y.value.id, kind: 'only-right', right: y.value });
        y = await b.next();
      } else {
        if (!isDeepStrictEqual(x.value, y.value)) differences.push({ collection, id: x.value.id, kind: 'differs', left: x.value, right: y.value });
        x = await a.next();
        y = await b.next();
      }
      if (differences.length >= maxDifferences) return { compared, differences };
    }
  }
  return { compared, differences };
}

/** One entry per difference, for reports and test failures: what is missing, or which fields differ and how. */
export function describeDifference(difference: ReadModelDifference, labels: { left: string; right: string } = { left: 'left', right: 'right' }): string {
  switch (difference.kind) {
    case 'only-left':
      return `${difference.collection}/${difference.id}: only in ${labels.left}`;
    case 'only-right':
      return `${difference.collection}/${difference.id}: only in ${labels.right}`;
    case 'differs':
      return [
        `${difference.collection}/${difference.id}: differs`,
        ...changedFields(difference.left, difference.right).map((field) => `  ${field.path}: ${labels.left} ${show(field.left)} ≠ ${labels.right} ${show(field.right)}`),
      ].join('\n');
  }
}

const SHOWN = 200;

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/** The deepest paths where two JSON values differ (`profile.email`, `recentTimeline[3].summary`). */
export function changedFields(left: unknown, right: unknown, path = ''): { path: string; left: unknown; right: unknown }[] {
  if (isDeepStrictEqual(left, right)) return [];
  const bothObjects = typeof left === 'object' && left !== null && typeof right === 'object' && right !== null && Array.isArray(left) === Array.isArray(right);
  if (!bothObjects) return [{ path: path || '(document)', left, right }];
  if (Array.isArray(left) && Array.isArray(right)) {
    return Array.from({ length: Math.max(left.length, right.length) }, (_, index) => changedFields(left[index], right[index], `${path}[${index}]`)).flat();
  }
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  return [...new Set([...Object.keys(l), ...Object.keys(r)])].sort().flatMap((key) => changedFields(l[key], r[key], path ? `${path}.${key}` : key));
}
