// What a projection is: pure functions from an event and the documents it touches to new documents.
// The projector runner owns loading, batching, the position guard and checkpoints.
import type { RecordedEvent } from '@app/event-sourcing';
import type { CollectionDefinition, Filter, ReadDocument } from './read-store.port';

export interface DocumentRef {
  readonly collection: string;
  readonly id: string;
}

/** A document's new content (the runner sets `id` and `lastPosition`), or null to delete it. */
export interface DocumentChange {
  readonly collection: string;
  readonly id: string;
  readonly doc: Record<string, unknown> | null;
}

/** Documents found by a filter rather than known by id (every timeline row of a customer). */
export interface DocumentQuery {
  readonly collection: string;
  readonly filter: Filter;
}

export interface ProjectionView {
  /** A touched document as it stands before this event (after earlier events of the batch). */
  get<T extends ReadDocument = ReadDocument>(collection: string, id: string): T | undefined;
  /** The documents this event's `touchesWhere` queries found in the collection, as they stand before this event. */
  found<T extends ReadDocument = ReadDocument>(collection: string): readonly T[];
}

export interface Projection {
  readonly name: string;
  readonly collections: readonly CollectionDefinition[];
  /** The documents this event reads or writes; empty when the projection ignores the event. */
  touches(event: RecordedEvent): readonly DocumentRef[];
  /**
   * For the rare event that rewrites documents it cannot name (a forget scrubs every row of a
   * customer): the queries that find them. The runner writes what came before the event first, so
   * the store answers them completely; apply() reads the result through `view.found`.
   */
  touchesWhere?(event: RecordedEvent): readonly DocumentQuery[];
  /** Pure: the changes this event makes to touched documents. */
  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[];
}
