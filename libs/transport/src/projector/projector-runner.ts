// Runs a set of pure projections over batches of events: loads the documents they touch, applies
// the events in order against an in-memory view, skips what a document already has (redelivery),
// and writes the final version of each changed document with the checkpoint in one store call.
// Every transport (embedded subscription, Kafka consumer, CLI rebuild) feeds events through it.
import { Logger } from '@nestjs/common';
import { PositionWaiters } from './position-waiters';
import type { RecordedEvent } from '@app/event-sourcing';
import type { Checkpoint, CollectionDefinition, DocumentChange, Projection, ProjectionView, ReadDocument, ReadStore, ReadStoreWrite } from '@app/read-store';
import { AppliedListeners, type AppliedEventsListener } from './applied-listeners';

export interface ProjectorRunnerOptions {
  /** Checkpoint name of this projector in the read store. */
  readonly name: string;
  /**
   * After a batch with one of these events (a forget), the read store purges these collections
   * (ReadStore.purge): what the scrub overwrote must not stay readable in free space or the log.
   */
  readonly purge?: {
    readonly after: (event: RecordedEvent) => boolean;
    readonly collections: readonly string[];
    /** Whatever else must go with it (copies of read models kept elsewhere), before readers hear of the position. */
    readonly also?: () => Promise<void>;
  };
}


const keyOf = (collection: string, id: string): string => `${collection}\u0000${id}`;

/** A document of a batch prepared but not yet written, as the next batch must see it. */
interface Unwritten {
  readonly doc: ReadDocument | null;
}

export class ProjectorRunner {
  readonly name: string;
  private readonly logger: Logger;
  private readonly progress = new PositionWaiters();
  private readonly listeners: AppliedListeners;
  /**
   * Batches are prepared (documents loaded, events projected) one at a time, whoever calls (Kafka
   * may hand over several partitions at once), and written one at a time in the same order. A batch
   * is prepared while the one before it is still being written: with a store that writes on another
   * thread (SqliteReadStore's `writes: 'thread'`) or another machine (MongoDB), both run at once.
   */
  private preparing: Promise<unknown> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();
  /** What the batches being written hold, by document: loaded from here before the store. */
  private readonly unwritten = new Map<string, Unwritten>();
  /** The highest position a batch prepared so far ends at (its checkpoint); back to `position` after a failed write. */
  private prepared = 0;
  /** Counts failed writes: a batch prepared on top of one (from its unwritten documents) is not written. */
  private failures = 0;
  /**
   * Why the runner stopped: after a failed write no later batch is written (its events come after
   * ones the store lacks, and its checkpoint would claim them) until start() takes up the stored
   * checkpoint again, as every transport does when it restarts after a failure.
   */
  private stopped: Error | undefined;

  constructor(
    private readonly store: ReadStore,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectorRunnerOptions,
  ) {
    this.name = options.name;
    this.logger = new Logger(`ProjectorRunner ${options.name}`);
    this.listeners = new AppliedListeners(this.logger);
  }

  /** Every collection of every projection, one definition per name (indexes merged). */
  get collections(): CollectionDefinition[] {
    const byName = new Map<string, CollectionDefinition>();
    for (const definition of this.projections.flatMap((projection) => projection.collections)) {
      const known = byName.get(definition.name);
      byName.set(definition.name, known ? { name: definition.name, indexes: [...known.indexes, ...definition.indexes] } : definition);
    }
    return [...byName.values()];
  }

  /**
   * The highest global position applied: by this process, or by an earlier one as the checkpoint
   * read at start() says. 0 before anything was applied.
   */
  get position(): number {
    return this.progress.position;
  }

  /**
   * Creates the collections and indexes, and takes up the stored checkpoint (again after a restart,
   * or after the store moved to another read-model generation, whose checkpoint may be lower).
   */
  async start(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.store.ensureCollections(this.collections);
    const checkpoint = (await this.checkpoint()) ?? 0;
    if (checkpoint < this.progress.position) this.progress.reset(checkpoint);
    this.unwritten.clear();
    this.prepared = checkpoint;
    this.stopped = undefined;
    this.advance(checkpoint);
  }

  /** The stored checkpoint: the highest position whose batch the read store holds, or null. */
  checkpoint(): Promise<number | null> {
    return this.store.getCheckpoint(this.name);
  }

  /**
   * Applies a batch of events (in global order, or at least in per-document order) idempotently:
   * an event a document already has (its lastPosition is at or past the event) changes nothing.
   * Resolves once the read store holds the result and the checkpoint. Batches called without
   * waiting for each other are applied in the order called; the next is prepared while this one is
   * written. A failed write fails the batches prepared on top of it too (none of them is written),
   * and every batch after it until start() is called again (or recover(), for a transport that
   * hands every unwritten batch over again).
   *
   * `alongside`: other checkpoints that hold once the batch is in (a Kafka partition's watermark),
   * stored in the same write as the batch's last documents and the runner's own checkpoint: one
   * commit, and a reader never sees them before the documents.
   */
  applyBatch(events: readonly RecordedEvent[], alongside: readonly Checkpoint[] = []): Promise<void> {
    const prepared = this.preparing.then(() => this.prepare(events, alongside));
    this.preparing = prepared.catch(() => undefined);
    return prepared.then((batch) => batch.written);
  }

  /**
   * After a failed write, takes batches again without a restart, for a transport that hands every
   * batch not yet written over again, each from where its own source stands (a Kafka consumer
   * re-fetches every partition from its last resolved offset): waits until every batch called before
   * it is settled, then builds on what the store holds. Nothing to do when no write failed. A
   * transport that goes on from the next batch (the embedded reactor, a rebuild) must call start().
   */
  recover(): Promise<void> {
    const recovered = this.preparing.then(async () => {
      await this.writing.catch(() => undefined);
      if (!this.stopped) return;
      // The failed write already dropped what was unwritten and took `prepared` back (queueWrite).
      this.logger.warn(`taking batches again after a failed write (${this.stopped.message}): the transport hands over again what was not written`);
      this.stopped = undefined;
    });
    this.preparing = recovered.catch(() => undefined);
    return recovered;
  }

  /** Resolves true as soon as everything up to `position` is applied, false after `timeoutMs`. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }

  /** Called after each batch the read store took (live updates); returns the unsubscribe. */
  onApplied(listener: AppliedEventsListener): () => void {
    return this.listeners.add(listener);
  }

  /** Prepares every segment of the batch and queues its writes; `written` settles with the last one. */
  private async prepare(delivered: readonly RecordedEvent[], alongside: readonly Checkpoint[]): Promise<{ written: Promise<void> }> {
    const events = onceEach(delivered);
    if (this.stopped) throw new Error(`projector ${this.name} stopped after a failed write (${this.stopped.message}); start() takes up its stored checkpoint again (or recover(), where the transport hands over again what was not written)`);
    if (events.length === 0) {
      // Only checkpoints: stored once everything queued before them is.
      return { written: alongside.length === 0 ? this.writing.catch(() => undefined) : this.queueWrite(new Map(), Math.max(this.prepared, this.progress.position), false, alongside) };
    }
    const failures = this.failures;
    // An event that finds its documents by a filter starts a segment of its own: what came before it
    // is written first, so the store's answer to the filter is complete.
    const segments: RecordedEvent[][] = [];
    for (const event of events) {
      const last = segments[segments.length - 1];
      if (!last || this.projections.some((projection) => (projection.touchesWhere?.(event) ?? []).length > 0)) segments.push([event]);
      else last.push(event);
    }
    let written: Promise<void> = Promise.resolve();
    for (const [s, segment] of segments.entries()) {
      const writes = await this.applySegment(segment);
      // A write failed meanwhile: what this batch loaded from its documents was never stored.
      if (this.failures !== failures) {
        await this.writing;
        throw new Error('an earlier batch of this projector failed to write; this batch was not written');
      }
      const last = segment.reduce((highest, event) => Math.max(highest, event.position), Math.max(this.prepared, this.progress.position));
      this.prepared = last;
      const purge = this.options.purge;
      written = this.queueWrite(writes, last, !!purge && segment.some((event) => purge.after(event)), s === segments.length - 1 ? alongside : []);
    }
    const last = this.prepared;
    return {
      written: written.then(() => {
        this.advance(last);
        this.listeners.notify(events);
      }),
    };
  }

  /**
   * Writes after every write queued before it, and only if they all succeeded. Until then, the
   * documents are what the next batch loads.
   */
  private queueWrite(byDocument: ReadonlyMap<string, ReadStoreWrite>, position: number, purge: boolean, alongside: readonly Checkpoint[]): Promise<void> {
    const writes = [...byDocument.values()];
    const entries: [string, Unwritten][] = [];
    for (const [key, write] of byDocument) {
      const entry: Unwritten = { doc: write.kind === 'upsert' ? write.doc : null };
      entries.push([key, entry]);
      this.unwritten.set(key, entry);
    }
    const run = this.writing.then(async () => {
      // Purged before anyone waiting for the position hears of it: a read that sees the scrub finds
      // the files clean too. So after a purge the other checkpoints (what readers in other processes
      // wait on) follow in a write of their own.
      await this.store.applyBatch(writes, [{ name: this.name, position }, ...(purge ? [] : alongside)]);
      if (purge) {
        await this.store.purge(this.options.purge?.collections ?? []);
        await this.options.purge?.also?.();
        if (alongside.length > 0) await this.store.applyBatch([], alongside);
      }
    });
    this.writing = run;
    run.then(
      () => {
        for (const [key, entry] of entries) if (this.unwritten.get(key) === entry) this.unwritten.delete(key);
      },
      (error: unknown) => {
        if (this.writing === run) this.writing = Promise.resolve();
        this.failures++;
        this.stopped ??= error instanceof Error ? error : new Error(String(error));
        this.unwritten.clear();
        this.prepared = this.progress.position;
      },
    );
    return run;
  }

  /**
   * Projects events whose documents are all known up front, except those the first event finds by
   * filter (once every write queued before is in the store); returns the writes.
   */
  private async applySegment(events: readonly RecordedEvent[]): Promise<Map<string, ReadStoreWrite>> {
    const touches = events.map((event) => this.projections.map((projection) => projection.touches(event)));
    const first = events[0];
    const queries = this.projections.map((projection) => projection.touchesWhere?.(first) ?? []);
    if (queries.some((perProjection) => perProjection.length > 0)) await this.writing.catch(() => undefined);
    const stored = await this.load(touches.flat(2));
    const foundIds = new Map<string, Set<string>>();
    for (const [p, perProjection] of queries.entries()) {
      for (const query of perProjection) {
        const ids = foundIds.get(query.collection) ?? new Set<string>();
        foundIds.set(query.collection, ids);
        for (const doc of await this.store.find(query.collection, query.filter)) {
          ids.add(doc.id);
          stored.set(keyOf(query.collection, doc.id), doc);
          touches[0][p] = [...touches[0][p], { collection: query.collection, id: doc.id }];
        }
      }
    }

    // The view starts as the store had it and takes every change of the batch, so later events see
    // earlier ones. The redelivery check uses the stored positions: two projections may touch the
    // same document for the same event, and the first one's change must not hide it from the second.
    const view = new Map<string, ReadDocument | null>(stored);
    let current: RecordedEvent | undefined;
    /** What the projection being applied declared for the event: all it may read (what else the batch loaded, it would not see alone). */
    let declared: readonly { collection: string; id: string }[] = [];
    const projectionView: ProjectionView = {
      get: <T extends ReadDocument = ReadDocument>(collection: string, id: string): T | undefined =>
        declared.some((ref) => ref.id === id && ref.collection === collection) ? ((view.get(keyOf(collection, id)) ?? undefined) as T | undefined) : undefined,
      found: <T extends ReadDocument = ReadDocument>(collection: string): readonly T[] =>
        current !== first
          ? []
          : [...(foundIds.get(collection) ?? [])].map((id) => view.get(keyOf(collection, id))).filter((doc): doc is ReadDocument => !!doc) as unknown as T[],
    };
    const writes = new Map<string, ReadStoreWrite>();
    const alreadyHas = (key: string, position: number): boolean => (stored.get(key)?.lastPosition ?? -Infinity) >= position;

    events.forEach((event, e) => {
      current = event;
      this.projections.forEach((projection, p) => {
        const refs = touches[e]?.[p] ?? [];
        // A projection that touches nothing for the event ignores it (Projection.touches), whatever
        // documents the batch loaded for other events: applied only when declared, live and in a rebuild alike.
        if (refs.length === 0 && !(e === 0 && (queries[p]?.length ?? 0) > 0)) return;
        if (refs.length > 0 && refs.every((ref) => alreadyHas(keyOf(ref.collection, ref.id), event.position))) return;
        declared = refs;
        for (const change of projection.apply(event, projectionView)) {
          const key = keyOf(change.collection, change.id);
          // A document that already has this event keeps what it has, declared touch or blind write.
          if (alreadyHas(key, event.position)) continue;
          const write = toWrite(change, event.position);
          writes.set(key, write);
          view.set(key, write.kind === 'upsert' ? write.doc : null);
        }
      });
    });
    return writes;
  }

  /** The documents as the store will hold them once the writes queued so far are in: unwritten ones first. */
  private async load(refs: readonly { collection: string; id: string }[]): Promise<Map<string, ReadDocument>> {
    const idsByCollection = new Map<string, Set<string>>();
    const loaded = new Map<string, ReadDocument>();
    for (const ref of refs) {
      const key = keyOf(ref.collection, ref.id);
      const unwritten = this.unwritten.get(key);
      if (unwritten) {
        if (unwritten.doc) loaded.set(key, unwritten.doc);
        continue;
      }
      const ids = idsByCollection.get(ref.collection) ?? new Set<string>();
      ids.add(ref.id);
      idsByCollection.set(ref.collection, ids);
    }
    await Promise.all(
      [...idsByCollection].map(async ([collection, ids]) => {
        for (const [id, doc] of await this.store.getMany(collection, [...ids])) loaded.set(keyOf(collection, id), doc);
      }),
    );
    return loaded;
  }

  private advance(position: number): void {
    this.progress.advance(position);
  }

}

/**
 * The batch with each event once (its first delivery): a transport may hand the same event over twice
 * in one batch (a Kafka relay publishes again what a broker outage left unconfirmed, and both copies
 * are fetched together). The redelivery check compares with the documents as stored before the batch,
 * so a second copy inside the batch would be applied again.
 */
function onceEach(events: readonly RecordedEvent[]): readonly RecordedEvent[] {
  const seen = new Set<number>();
  const once = events.filter((event) => !seen.has(event.position) && seen.add(event.position));
  return once.length === events.length ? events : once;
}

function toWrite(change: DocumentChange, position: number): ReadStoreWrite {
  if (change.doc === null) return { kind: 'delete', collection: change.collection, id: change.id, position };
  return { kind: 'upsert', collection: change.collection, doc: { ...change.doc, id: change.id, lastPosition: position } };
}
