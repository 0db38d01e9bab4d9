// `chronicle verify log` and `chronicle verify projections`: the auditor's two checks.
// - log: walks the tamper-evidence chains of the event store and names the first broken link.
// - projections: builds every read model again from the log into a shadow generation beside the
//   live one (never made live), up to the live projector's checkpoint, and compares the two document
//   by document; the shadow is dropped afterwards, whatever happened.
import type { CurrencyCode } from '@app/money';
import type { EventStore, LogVerification } from '@app/event-store';
import { activeGeneration, GenerationalReadStore, generationCheckpoint, type ReadStore } from '@app/read-store';
import { PROJECTOR_NAME } from '../read-models';
import { compareReadModels, describeDifference, type ReadModelDifference } from './compare-read-models';
import { progress } from './progress';
import { dropGeneration, listGenerations, rebuildReadModels } from './rebuild';

export interface CliOutput {
  /** A terminal: draw progress bars; otherwise progress goes to `line`. */
  readonly tty: boolean;
  readonly line: (text: string) => void;
}

export async function verifyLog(events: EventStore, output: CliOutput): Promise<LogVerification> {
  const head = await events.headPosition();
  const shown = progress({ label: 'verify log', noun: 'position', rateUnit: 'events', total: head, bar: output.tty, ...(output.tty ? {} : { onLine: output.line }) });
  try {
    return await events.verifyLog({ onProgress: (checked, position, total) => shown.update(position, checked, total) });
  } finally {
    shown.stop();
  }
}

/** The verdict in words, for the terminal. */
export function describeLogVerification(result: LogVerification): string {
  const unsealed = result.unsealed > 0 ? ` ${result.unsealed} newer events are not sealed yet (checked against their stream chains only).` : '';
  if (result.ok) {
    const head = result.head === null ? 'The log is empty.' : `Head: position ${result.head.position}, chain hash ${result.head.hash}. Keep it: a later verify must show the same hash at this position.`;
    return `Log verified: ${result.events} events, every stream chain and the global chain hold.${unsealed}\n${head}`;
  }
  const broken = result.broken;
  if (!broken) return 'Log verification failed';
  const where = broken.streamId === null ? `position ${broken.position}` : `stream ${broken.streamId}, revision ${broken.revision}, position ${broken.position}`;
  return `BROKEN LINK at ${where}: ${broken.reason}.\n${result.events} events before it verified.${unsealed}`;
}

export interface ProjectionVerification {
  /** Documents compared, both sides together counted once per id. */
  readonly compared: number;
  readonly differences: readonly ReadModelDifference[];
  /** The position both sides were compared at (the live checkpoint). */
  readonly position: number;
  readonly liveGeneration: number;
  readonly shadowGeneration: number;
}

/** Rounds of catching the shadow up with a live projector that moves while it is checked. */
const MAX_ROUNDS = 5;

export async function verifyProjections(
  events: EventStore,
  physical: ReadStore,
  output: CliOutput,
  options: { batchSize?: number; currency: CurrencyCode },
): Promise<ProjectionVerification> {
  const liveGeneration = await activeGeneration(physical);
  const live = new GenerationalReadStore(physical, liveGeneration);
  const shadowGeneration = Math.max(...(await listGenerations(physical)).map((g) => g.generation)) + 1;
  const shadow = new GenerationalReadStore(physical, shadowGeneration);
  // Registered first, so a verify killed midway leaves a generation `rebuild drop` finds.
  await physical.applyBatch([], { name: generationCheckpoint(PROJECTOR_NAME, shadowGeneration), position: 0 });
  try {
    for (let round = 1; ; round++) {
      // The shadow is built exactly up to where the live models are, so lag is no difference.
      const target = (await live.getCheckpoint(PROJECTOR_NAME)) ?? 0;
      await rebuildReadModels(events, shadow, {
        currency: options.currency,
        until: target,
        label: `shadow generation ${shadowGeneration}`,
        progress: output.tty,
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(output.tty ? {} : { onProgress: output.line }),
      });
      output.line(`Comparing generation ${liveGeneration} (live) with the rebuild, document by document...`);
      const comparison = await compareReadModels(live, shadow, { maxDifferences: 10_000 });
      // A live document past the target moved on while it was compared: look again next round.
      const moving = comparison.differences.filter((d) => (d.left?.lastPosition ?? 0) > target || (d.right?.lastPosition ?? 0) > target);
      if (moving.length === 0 || round === MAX_ROUNDS) {
        return { compared: comparison.compared, differences: comparison.differences, position: target, liveGeneration, shadowGeneration };
      }
    }
  } finally {
    await dropGeneration(physical, shadowGeneration);
  }
}

export function describeProjectionVerification(result: ProjectionVerification): string {
  const labels = { left: 'live', right: 'rebuilt' };
  if (result.differences.length === 0) {
    return `Read models verified: ${result.compared} documents of generation ${result.liveGeneration} equal a rebuild from the log up to position ${result.position}.`;
  }
  return [
    `${result.differences.length} DIFFERENCES between the live read models (generation ${result.liveGeneration}) and a rebuild from the log up to position ${result.position} (${result.compared} documents compared):`,
    ...result.differences.map((difference) => describeDifference(difference, labels)),
  ].join('\n');
}
