// The embedded projector's parts, one definition for every place that runs it: the all-in-one
// process on its event loop, the projector role, and the projector thread of the all-in-one process.
import { Logger } from '@nestjs/common';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventStore } from '@app/event-store';
import type { ChronicleConfig } from '@app/platform';
import type { ReadStore } from '@app/read-store';
import { EmbeddedProjector, ProjectorRunner } from '@app/transport';
import { ERASURE_EVENT_TYPE, PERSONAL_COLLECTIONS } from './personal-data';
import { chronicleProjections, PROJECTOR_NAME } from './read-models';

/**
 * Most events per embedded projector batch. A batch is one unbroken stretch of the event loop
 * (read, load documents, project, write ~5.7 documents per event), so its size bounds how long a
 * request waits behind a catch-up. Measured with bench/catchup.bench.ts on a shared 2-core machine:
 * 100 events take 50-130 ms (p50) where 2,000 held the loop for 0.6-3.4 s, at 60-75% of the
 * 2,000-event throughput (bench/README.md, "Catch-up").
 */
export const EMBEDDED_PROJECTOR_BATCH_SIZE = 100;

/** Chronicle's read models over `store`, under the projector's checkpoint. */
export function chronicleProjectorRunner(config: ChronicleConfig, store: ReadStore): ProjectorRunner {
  return new ProjectorRunner(store, chronicleProjections(config.REPORTING_CURRENCY), {
    name: PROJECTOR_NAME,
    // A forget's scrub must not stay readable in the read store's free space or log, nor in the
    // replays `chronicle replay` left in DATA_DIR (found from outside: a replay kept a forgotten
    // customer's name in clear for good).
    purge: { after: (event) => event.type === ERASURE_EVENT_TYPE, collections: PERSONAL_COLLECTIONS, also: async () => void (await removeReplays(config.DATA_DIR)) },
  });
}

/**
 * Removes the replays in DATA_DIR's replay folder (`chronicle replay`'s default target): read models
 * of a past moment, personal values in clear as they were then. They are made again, with every
 * forget applied, by running the replay again. Returns the files removed.
 */
export async function removeReplays(dataDir: string): Promise<string[]> {
  const folder = join(dataDir, REPLAYS_FOLDER);
  const names = await readdir(folder).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const removed = names.filter((name) => /\.sqlite(-wal|-shm|-journal)?$/.test(name)).map((name) => join(folder, name));
  await Promise.all(removed.map((file) => rm(file, { force: true })));
  if (removed.length > 0) new Logger('Erasure').log(`Removed ${removed.length} replay file(s) in ${folder} after a forget (they held personal values in clear; run the replay again for a scrubbed one)`);
  return removed;
}

/** Where `chronicle replay` writes by default, under DATA_DIR. */
export const REPLAYS_FOLDER = 'replays';

/** The runner fed by a subscription to the event store's global log (events as the domain reads them). */
export function embeddedProjector(events: EventStore, runner: ProjectorRunner): EmbeddedProjector {
  return new EmbeddedProjector(events, runner, { maxBatchSize: EMBEDDED_PROJECTOR_BATCH_SIZE });
}
