// `chronicle replay --from <position> --to <position> --projection <name>`: runs exactly the events
// at positions from..to (inclusive, to at most the log's head) through one projection, starting from empty documents, into a
// read store of its own: a fresh SQLite file (default `<DATA_DIR>/replays/<projection>-<from>-<to>.sqlite`),
// never the live read models. What is left there is what that projection makes of those events alone
// (for instance the daily KPI rows of one month), to inspect with any SQLite client or to compare.
import type { CurrencyCode } from '@app/money';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStore } from '@app/event-store';
import { SqliteReadStore, type Projection } from '@app/read-store';
import { chronicleProjections } from '../read-models';
import { rebuildReadModels } from './rebuild';
import type { CliOutput } from './verify';

export interface ReplayRangeOptions {
  readonly from: number;
  readonly to: number;
  readonly projection: string;
  /** The SQLite file to write; replaced when `replace`. */
  readonly target: string;
  readonly replace?: boolean;
  readonly batchSize?: number;
  /** REPORTING_CURRENCY of the deployment (the projections depend on it). */
  readonly currency: CurrencyCode;
}

export interface ReplayRangeResult {
  readonly projection: string;
  /** Events read in the range (every type); the projection ignores those it does not handle. */
  readonly events: number;
  /** The last position replayed. */
  readonly position: number;
  /** Documents left, per collection. */
  readonly documents: Readonly<Record<string, number>>;
  readonly target: string;
  readonly seconds: number;
}

export function projectionNamed(name: string, currency: CurrencyCode): Projection {
  const projections = chronicleProjections(currency);
  const found = projections.find((projection) => projection.name === name);
  if (!found) throw new Error(`Unknown projection ${name}; the projections are: ${projections.map((p) => p.name).join(', ')}`);
  return found;
}

export async function replayRange(events: EventStore, options: ReplayRangeOptions, output: CliOutput): Promise<ReplayRangeResult> {
  if (!Number.isSafeInteger(options.from) || !Number.isSafeInteger(options.to) || options.from < 1 || options.to < options.from) {
    throw new Error(`--from and --to must be positions with 1 ≤ from ≤ to (got ${options.from}..${options.to})`);
  }
  const projection = projectionNamed(options.projection, options.currency);
  // Refused rather than cut short: a replay is exactly the range asked for (its default file is named
  // after it), so the same command means the same events however far the log has grown since.
  const head = await events.headPosition();
  if (options.to > head) {
    throw new Error(`--to ${options.to} is beyond the head of the event log (position ${head}${head === 0 ? ': no events yet' : ''}): give --to ${head} or less`);
  }
  if (existsSync(options.target)) {
    if (!options.replace) throw new Error(`${options.target} exists; pass --replace to overwrite it`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.target}${suffix}`, { force: true });
  }
  mkdirSync(dirname(options.target), { recursive: true });
  // Written on a thread of its own: the next batch is read and projected meanwhile.
  const target = new SqliteReadStore(options.target, { writes: 'thread' });
  try {
    // The range starts after from − 1: the runner's checkpoint says where it is.
    await target.applyBatch([], { name: 'replay', position: options.from - 1 });
    const result = await rebuildReadModels(events, target, {
      currency: options.currency,
      projections: [projection],
      checkpointName: 'replay',
      until: options.to,
      label: `replay ${projection.name}`,
      progress: output.tty,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(output.tty ? {} : { onProgress: output.line }),
    });
    const documents: Record<string, number> = {};
    for (const collection of projection.collections) documents[collection.name] = await target.count(collection.name, {});
    return { projection: projection.name, events: result.events, position: result.position, documents, target: options.target, seconds: result.seconds };
  } finally {
    await target.close();
  }
}
