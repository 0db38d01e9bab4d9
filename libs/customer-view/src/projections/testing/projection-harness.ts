// An in-memory stand-in for the projector runner, for projection specs: loads the touched
// documents, calls apply, and writes the changes with the runner's rules (id and lastPosition
// stamped, position guard, blind writes allowed). Stricter than the runner where it helps a spec:
// reading an undeclared document throws, and stored documents are frozen JSON copies, so a
// projection that mutates its input or writes non-JSON values fails loudly.
import type { RecordedEvent } from '@app/event-sourcing';
import type { DocumentRef, Filter, Projection, ProjectionView, ReadDocument } from '@app/read-store';

/** The filters projections find documents by: field equality only (anything else throws). */
function matches(doc: ReadDocument, filter: Filter): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    if (typeof condition === 'object' && condition !== null) throw new Error(`The harness matches field equality only, not ${JSON.stringify(condition)}`);
    return doc[field] === condition;
  });
}

export class ProjectionHarness {
  private readonly collections = new Map<string, Map<string, ReadDocument>>();
  /** Every (projection, event) pair skipped because the touched documents already had the event. */
  readonly skipped: { projection: string; position: number }[] = [];

  constructor(private readonly projections: readonly Projection[]) {}

  /** Feeds events in the given order (which is the delivery order, not necessarily business time). */
  run(events: readonly RecordedEvent[]): this {
    for (const event of events) {
      for (const projection of this.projections) this.step(projection, event);
    }
    return this;
  }

  /** Puts a document in the store as it is (one an older build wrote, say) before events run on it. */
  seed(collection: string, doc: ReadDocument): this {
    this.collection(collection).set(doc.id, doc);
    return this;
  }

  get<T extends ReadDocument = ReadDocument>(collection: string, id: string): T | undefined {
    return this.collection(collection).get(id) as T | undefined;
  }

  /** All documents of a collection, ordered by id. */
  all<T extends ReadDocument = ReadDocument>(collection: string): T[] {
    return [...this.collection(collection).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) as T[];
  }

  ids(collection: string): string[] {
    return this.all(collection).map((doc) => doc.id);
  }

  private step(projection: Projection, event: RecordedEvent): void {
    const found = new Map<string, ReadDocument[]>();
    for (const query of projection.touchesWhere?.(event) ?? []) {
      found.set(query.collection, [...(found.get(query.collection) ?? []), ...this.all(query.collection).filter((doc) => matches(doc, query.filter))]);
    }
    const refs = [...projection.touches(event), ...[...found].flatMap(([collection, docs]) => docs.map((doc) => ({ collection, id: doc.id })))];
    if (refs.length === 0 && found.size === 0) return;
    const alreadyApplied = refs.every((ref) => (this.stored(ref)?.lastPosition ?? -1) >= event.position);
    if (alreadyApplied) {
      this.skipped.push({ projection: projection.name, position: event.position });
      return;
    }
    const declared = new Set(refs.map((ref) => key(ref)));
    const view: ProjectionView = {
      get: <T extends ReadDocument>(collection: string, id: string): T | undefined => {
        if (!declared.has(key({ collection, id }))) {
          throw new Error(`${projection.name} read ${collection}/${id} without declaring it in touches()`);
        }
        return this.stored({ collection, id }) as T | undefined;
      },
      found: <T extends ReadDocument>(collection: string): readonly T[] => (found.get(collection) ?? []) as T[],
    };
    for (const change of projection.apply(event, view)) {
      const existing = this.stored(change);
      if (existing && existing.lastPosition >= event.position) continue;
      const documents = this.collection(change.collection);
      if (change.doc === null) {
        documents.delete(change.id);
      } else {
        const stamped = { ...change.doc, id: change.id, lastPosition: event.position };
        documents.set(change.id, deepFreeze(JSON.parse(JSON.stringify(stamped)) as ReadDocument));
      }
    }
  }

  private stored(ref: DocumentRef): ReadDocument | undefined {
    return this.collection(ref.collection).get(ref.id);
  }

  private collection(name: string): Map<string, ReadDocument> {
    let documents = this.collections.get(name);
    if (!documents) {
      documents = new Map();
      this.collections.set(name, documents);
    }
    return documents;
  }
}

function key(ref: DocumentRef): string {
  return `${ref.collection}\u0000${ref.id}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}
