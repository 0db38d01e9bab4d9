// Rebuilds every read model from the event log: clears the collections, then replays the whole log
// through the same projections the live projector runs. Run it with the projector stopped.
import { SingleBar, Presets } from 'cli-progress';
import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import { chronicleProjections, PROJECTOR_NAME } from '../read-models';

export async function rebuildReadModels(
  events: EventStore,
  reads: ReadStore,
  options: { batchSize?: number; progress?: boolean; name?: string } = {},
): Promise<{ events: number; position: number; seconds: number }> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1000;
  const collections = chronicleProjections.flatMap((p) => p.collections.map((c) => c.name));
  await reads.clear(collections);
  const runner = new ProjectorRunner(reads, chronicleProjections, { name: options.name ?? PROJECTOR_NAME });
  await runner.start();
  const head = await events.headPosition();
  const bar = options.progress ? new SingleBar({ format: 'rebuilding {bar} {percentage}% | {count} events', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(head, 0, { count: 0 });
  let after = 0;
  let count = 0;
  for (;;) {
    const batch = await events.readAll({ after, maxCount: batchSize });
    if (batch.length === 0) break;
    await runner.applyBatch(batch);
    after = batch[batch.length - 1].position;
    count += batch.length;
    bar?.update(after, { count });
  }
  bar?.stop();
  return { events: count, position: after, seconds: (Date.now() - started) / 1000 };
}
