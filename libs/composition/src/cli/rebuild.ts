// Rebuilds read models from the event log, blue/green: every projection is built into a fresh
// generation beside the live one (which keeps serving), and when it has caught up with the log one
// atomic pointer write makes it live. Killed at any point, the live generation is untouched, and
// running the rebuild again resumes the unfinished generation from its own checkpoint. The old
// generation stays until `drop`. Live projectors notice the pointer, stop, move to the new
// generation and follow the log from its checkpoint, so nothing between the two is lost.
import type { EventStore } from '@app/event-store';
import {
  activateGeneration,
  activeGeneration,
  ACTIVE_GENERATION_CHECKPOINT,
  GenerationalReadStore,
  generationCheckpoint,
  generationOfCheckpoint,
  type Projection,
  type ReadStore,
} from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import type { CurrencyCode } from '@app/money';
import { CHRONICLE_COLLECTIONS, chronicleProjections, PROJECTOR_NAME } from '../read-models';
import { progress } from './progress';
import { PERSONAL_COLLECTIONS } from '../personal-data';

export interface ReplayResult {
  /** Events applied by this call. */
  readonly events: number;
  /** Global position the target has reached. */
  readonly position: number;
  readonly seconds: number;
}

export interface ReplayOptions {
  /** REPORTING_CURRENCY of the deployment: the projections must be those the live projector runs. */
  readonly currency: CurrencyCode;
  readonly batchSize?: number;
  /** Show a progress bar with the rate and an ETA (for a terminal). */
  readonly progress?: boolean;
  /** Without a terminal: called after the first batch and then at every further tenth of the way (log lines). */
  readonly onProgress?: (line: string) => void;
  /** Label on the progress bar. */
  readonly label?: string;
  /** Stop after this global position (inclusive); default: the head when the replay reaches it. */
  readonly until?: number;
  /** The projections to run; default every one the live projector runs. */
  readonly projections?: readonly Projection[];
  /** The checkpoint name the target keeps; default the live projector's. */
  readonly checkpointName?: string;
}

/**
 * Replays the log into `target` from the target's own checkpoint (the beginning for a fresh store)
 * up to the head, through the same projections the live projector runs. Resumable: stopped at any
 * point, the next call goes on from the last batch the target holds.
 */
export async function rebuildReadModels(events: EventStore, target: ReadStore, options: ReplayOptions): Promise<ReplayResult> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1000;
  const runner = new ProjectorRunner(target, options.projections ?? chronicleProjections(options.currency), { name: options.checkpointName ?? PROJECTOR_NAME });
  await runner.start();
  let after = runner.position;
  const end = (head: number): number => (options.until === undefined ? head : Math.min(head, options.until));
  let head = end(await events.headPosition());
  const shown = progress({
    label: options.label ?? 'rebuilding',
    noun: 'position',
    rateUnit: 'events',
    total: head,
    bar: options.progress === true,
    ...(options.onProgress ? { onLine: options.onProgress } : {}),
  });
  let count = 0;
  // One batch is written while the next is read and projected: the runner prepares a batch while the
  // store writes the one before (in parallel when the store writes on a thread of its own or a
  // server). At most two batches in hand; progress counts what the store holds.
  let writing: Promise<void> | undefined;
  let reached = after;
  const written = async (): Promise<void> => {
    if (!writing) return;
    await writing;
    // Shown once the store holds it: a progress line means that much is written (and resumable).
    shown.update(reached, count, head);
  };
  for (;;) {
    if (options.until !== undefined && after >= options.until) break;
    const read = await events.readAll({ after, maxCount: batchSize });
    const batch = options.until === undefined ? read : read.filter((event) => event.position <= (options.until as number));
    if (batch.length === 0) break;
    const applying = runner.applyBatch(batch);
    // Settled by the await below or the one after the loop; a rejection before then is not unhandled.
    applying.catch(() => undefined);
    await written();
    const position = batch[batch.length - 1].position;
    writing = applying.then(() => {
      reached = position;
      count += batch.length;
    });
    after = position;
    if (after > head) head = end(await events.headPosition());
    if (batch.length < read.length) break;
  }
  await written();
  shown.stop();
  return { events: count, position: after, seconds: (Date.now() - started) / 1000 };
}

export interface GenerationInfo {
  readonly generation: number;
  /** Position its projector checkpoint holds. */
  readonly position: number;
  readonly active: boolean;
}

/** Every read-model generation the store holds, with its checkpoint, oldest first. */
export async function listGenerations(physical: ReadStore): Promise<GenerationInfo[]> {
  const active = await activeGeneration(physical);
  const found = new Map<number, number>();
  for (const checkpoint of await physical.listCheckpoints()) {
    const generation = generationOfCheckpoint(checkpoint.name, PROJECTOR_NAME);
    if (generation !== null) found.set(generation, checkpoint.position);
  }
  if (!found.has(active)) found.set(active, 0);
  return [...found].sort(([a], [b]) => a - b).map(([generation, position]) => ({ generation, position, active: generation === active }));
}

export interface BlueGreenResult extends ReplayResult {
  readonly generation: number;
  readonly previous: number;
  /** True when an unfinished earlier rebuild was taken up rather than started afresh. */
  readonly resumed: boolean;
}

/**
 * Builds a new generation from the log and makes it live. Takes up an unfinished one (a generation
 * newer than the live one) unless `fresh`, which drops it and starts over.
 */
export async function blueGreenRebuild(
  events: EventStore,
  physical: ReadStore,
  options: ReplayOptions & { fresh?: boolean; beforeActivate?: (built: { readonly generation: number; readonly position: number }) => Promise<void> },
): Promise<BlueGreenResult> {
  const previous = await activeGeneration(physical);
  const generations = await listGenerations(physical);
  const unfinished = generations.filter((g) => g.generation > previous);
  if (options.fresh) for (const g of unfinished) await dropGeneration(physical, g.generation);
  const newest = Math.max(...generations.map((g) => g.generation));
  const resume = !options.fresh && unfinished.length > 0;
  const generation = resume ? newest : newest + 1;

  const target = new GenerationalReadStore(physical, generation);
  // Registered before the first batch, so a rebuild killed at once still leaves a generation that
  // the next run resumes and `drop` finds.
  if (!resume) await physical.applyBatch([], { name: generationCheckpoint(PROJECTOR_NAME, generation), position: 0 });
  const replay = await rebuildReadModels(events, target, { ...options, label: options.label ?? `generation ${generation}` });
  await options.beforeActivate?.({ generation, position: replay.position });
  await activateGeneration(physical, generation);
  return { ...replay, generation, previous, resumed: resume };
}

/** Removes one generation's collections and checkpoints. The live one cannot be dropped. */
export async function dropGeneration(physical: ReadStore, generation: number): Promise<void> {
  if (generation === (await activeGeneration(physical))) throw new Error(`Generation ${generation} is live; it cannot be dropped`);
  const store = new GenerationalReadStore(physical, generation);
  await store.drop([...CHRONICLE_COLLECTIONS]);
  // Every checkpoint of its projector: its own and, fed by Kafka, its partitions' watermarks.
  for (const checkpoint of await store.listCheckpoints()) {
    if (checkpoint.name === PROJECTOR_NAME || checkpoint.name.startsWith(`${PROJECTOR_NAME}@`)) await store.deleteCheckpoint(checkpoint.name);
  }
  // An old generation may still hold customers forgotten since (only the live one is scrubbed):
  // what it held must not stay readable in the store's free space or log.
  await (await GenerationalReadStore.live(physical)).purge(PERSONAL_COLLECTIONS);
}

/** Drops every generation but the live one; returns the ones dropped. */
export async function dropInactiveGenerations(physical: ReadStore): Promise<number[]> {
  const dropped: number[] = [];
  for (const { generation, active } of await listGenerations(physical)) {
    if (active) continue;
    await dropGeneration(physical, generation);
    dropped.push(generation);
  }
  return dropped;
}

export { ACTIVE_GENERATION_CHECKPOINT };
