// Read-model generations (blue/green): a rebuild writes a fresh generation of every collection beside
// the live one, and one atomic write of a pointer makes it live. Generation 0 keeps the plain
// collection names, generation N > 0 suffixes them (`customer360__g2`); checkpoints are suffixed the
// same way (`chronicle-projector@g2`). The pointer is a checkpoint of its own in the physical store.
// A rebuild killed at any point leaves the pointer, and so the live models, untouched.
import type {
  AggregateRow,
  AggregateSpec,
  Checkpoint,
  CollectionDefinition,
  Filter,
  FindOptions,
  ReadDocument,
  ReadStore,
  ReadStoreWrite,
} from './read-store.port';
import { checkpointList, type Checkpoints } from './read-store.port';

/** Checkpoint (in the physical store) whose position is the live generation's number. */
export const ACTIVE_GENERATION_CHECKPOINT = 'chronicle:active-read-model-generation';

export function generationCollection(collection: string, generation: number): string {
  return generation === 0 ? collection : `${collection}__g${generation}`;
}

export function generationCheckpoint(name: string, generation: number): string {
  return generation === 0 ? name : `${name}@g${generation}`;
}

/** The generation a checkpoint name belongs to for a given projector name, or null if it is not one of its. */
export function generationOfCheckpoint(checkpointName: string, projectorName: string): number | null {
  if (checkpointName === projectorName) return 0;
  const match = /^(.*)@g(\d+)$/.exec(checkpointName);
  return match && match[1] === projectorName ? Number(match[2]) : null;
}

/** The live generation's number (0 before any blue/green rebuild). */
export async function activeGeneration(physical: ReadStore): Promise<number> {
  return (await physical.getCheckpoint(ACTIVE_GENERATION_CHECKPOINT)) ?? 0;
}

/** Makes `generation` the live one: one write, atomic on every adapter. */
export async function activateGeneration(physical: ReadStore, generation: number): Promise<void> {
  await physical.applyBatch([], { name: ACTIVE_GENERATION_CHECKPOINT, position: generation });
}

/**
 * A ReadStore seen through one generation. The process's live store follows the pointer (a watcher
 * calls `pointer()` and, with the projector stopped, `use()`); a rebuild's target store is fixed.
 */
export class GenerationalReadStore implements ReadStore {
  constructor(
    readonly physical: ReadStore,
    private current: number,
  ) {}

  /** Opens the physical store's live generation. */
  static async live(physical: ReadStore): Promise<GenerationalReadStore> {
    return new GenerationalReadStore(physical, await activeGeneration(physical));
  }

  get generation(): number {
    return this.current;
  }

  /** The generation the pointer names now (it may differ from the one in use). */
  pointer(): Promise<number> {
    return activeGeneration(this.physical);
  }

  /** From now on reads and writes go to `generation`. Call it with the projector stopped. */
  use(generation: number): void {
    this.current = generation;
  }

  private name(collection: string): string {
    return generationCollection(collection, this.current);
  }

  private checkpointName(name: string): string {
    return generationCheckpoint(name, this.current);
  }

  ensureCollections(definitions: readonly CollectionDefinition[]): Promise<void> {
    return this.physical.ensureCollections(definitions.map((definition) => ({ ...definition, name: this.name(definition.name) })));
  }

  get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | null> {
    return this.physical.get<T>(this.name(collection), id);
  }

  getMany<T extends ReadDocument = ReadDocument>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    return this.physical.getMany<T>(this.name(collection), ids);
  }

  find<T extends ReadDocument = ReadDocument>(collection: string, filter: Filter, options?: FindOptions): Promise<T[]> {
    return this.physical.find<T>(this.name(collection), filter, options);
  }

  count(collection: string, filter: Filter): Promise<number> {
    return this.physical.count(this.name(collection), filter);
  }

  aggregate(collection: string, filter: Filter, spec: AggregateSpec): Promise<AggregateRow[]> {
    return this.physical.aggregate(this.name(collection), filter, spec);
  }

  applyBatch(writes: readonly ReadStoreWrite[], checkpoints?: Checkpoints): Promise<void> {
    const mapped = writes.map((write) => ({ ...write, collection: this.name(write.collection) }));
    return this.physical.applyBatch(mapped, checkpointList(checkpoints).map((checkpoint) => ({ name: this.checkpointName(checkpoint.name), position: checkpoint.position })));
  }

  getCheckpoint(name: string): Promise<number | null> {
    return this.physical.getCheckpoint(this.checkpointName(name));
  }

  /** This generation's checkpoints, under their plain names. */
  async listCheckpoints(): Promise<Checkpoint[]> {
    const all = await this.physical.listCheckpoints();
    const suffix = this.current === 0 ? null : `@g${this.current}`;
    return all
      .filter((c) => c.name !== ACTIVE_GENERATION_CHECKPOINT && (suffix === null ? !/@g\d+$/.test(c.name) : c.name.endsWith(suffix)))
      .map((c) => ({ name: suffix === null ? c.name : c.name.slice(0, -suffix.length), position: c.position }));
  }

  deleteCheckpoint(name: string): Promise<void> {
    return this.physical.deleteCheckpoint(this.checkpointName(name));
  }

  clear(collections: readonly string[]): Promise<void> {
    return this.physical.clear(collections.map((collection) => this.name(collection)));
  }

  drop(collections: readonly string[]): Promise<void> {
    return this.physical.drop(collections.map((collection) => this.name(collection)));
  }

  async checkWritable(): Promise<void> {
    await this.physical.checkWritable?.();
  }

  purge(collections: readonly string[]): Promise<void> {
    return this.physical.purge(collections.map((collection) => this.name(collection)));
  }

  close(): Promise<void> {
    return this.physical.close();
  }
}
