// Read-your-writes: a query with `minPosition` waits (bounded) until the read model has caught up
// with the position a command answered.
import { refuse, type RecordedEvent } from '@app/event-sourcing';
import { ProblemException } from '../errors/problem.filter';

/**
 * How far the projector has followed the global log: the one of this process, or (embedded transport)
 * one in another process through the checkpoint it stores. Absent when no global position is
 * meaningful (a Kafka-fed projector follows partitions): queries then check their own documents.
 */
export interface ProjectionProgress {
  /**
   * Resolves true once everything up to `position` is applied, false after the timeout (or, where
   * supported, once `signal` aborts: a query answered otherwise stops waiting).
   */
  waitForPosition(position: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * True where it may hold still for events no query of a document waits for (with Kafka, one
   * lagging partition holds the applied watermark for all): a query then also checks its own
   * documents while it waits, and answers as soon as either says it is there.
   */
  readonly heldByAnyPartition?: boolean;
}

export const PROJECTION_PROGRESS = Symbol('ProjectionProgress');

const POLL_MS = [5, 10, 20, 50, 100];

/**
 * Waits until `caughtUp()` holds or the timeout passes. With a projection progress it waits on it;
 * otherwise (a Kafka-fed projector in another process) it re-checks the read model with backoff.
 */
export async function waitUntilCaughtUp(
  minPosition: number | undefined,
  caughtUp: () => Promise<boolean>,
  progress: ProjectionProgress | undefined,
  timeoutMs: number,
): Promise<boolean> {
  if (minPosition === undefined || minPosition <= 0) return true;
  if (await caughtUp()) return true;
  if (!progress) return documentsCaughtUp(caughtUp, timeoutMs, { stopped: false });
  // The projector reached the position: every read model of this process reflects it, even a
  // document the event did not touch.
  if (!progress.heldByAnyPartition) return (await progress.waitForPosition(minPosition, timeoutMs)) || caughtUp();
  // Whichever answers first; the other stops (the progress forgets the wait, the polling ends).
  const answered = new AbortController();
  const polling = { stopped: false };
  const projected = progress.waitForPosition(minPosition, timeoutMs, answered.signal).then((reached) => reached || (!answered.signal.aborted && caughtUp()));
  try {
    return await Promise.race([projected, documentsCaughtUp(caughtUp, timeoutMs, polling).then((found) => found || projected)]);
  } finally {
    polling.stopped = true;
    answered.abort();
  }
}

/** Re-checks the read model with backoff until `caughtUp()` holds (true), the timeout passes or `stopped` (false). */
async function documentsCaughtUp(caughtUp: () => Promise<boolean>, timeoutMs: number, polling: { stopped: boolean }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline && !polling.stopped; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS[Math.min(i, POLL_MS.length - 1)], deadline - Date.now())));
    if (polling.stopped) return false;
    if (await caughtUp()) return true;
  }
  return false;
}

/** Events as the projector of this process applies them (live updates for consoles). */
export interface AppliedEvents extends ProjectionProgress {
  onApplied(listener: (events: readonly RecordedEvent[]) => void): () => void;
  /** The highest global position applied whose batch the listeners have been told of (0 before any). */
  readonly position: number;
}

export const APPLIED_EVENTS = Symbol('AppliedEvents');

/**
 * How far the read models got along the global log, as the read store says (whichever process
 * projects): every position up to `read()` is applied. With the embedded transport it is the
 * projector's checkpoint (it applies in log order); with Kafka, the least of the partitions'
 * watermarks (PartitionWatermarks), since partitions are applied apart and a higher position applied
 * says nothing of a lower one in a partition that lags. Feeds that send changes in position order
 * send nothing past it.
 */
export interface AppliedWatermark {
  read(): Promise<number>;
}

export const APPLIED_WATERMARK = Symbol('AppliedWatermark');

/**
 * Why a read finds no `what` in the read models: not found (404) when no `minPosition` was given, or
 * the read models reached it, or the log itself has not (a position not written yet: nothing can be
 * on its way); otherwise notProjectedYet. `logHead`: the event log's head position, where this
 * process has the log.
 */
export async function notFoundOrNotProjectedYet(
  what: string,
  field: string,
  minPosition: number | undefined,
  caughtUp: boolean,
  logHead?: () => Promise<number>,
): Promise<Error> {
  const notFound = refuse.notFound(`${what} not found`, field);
  if (minPosition === undefined || caughtUp) return notFound;
  if (logHead && (await logHead().catch(() => Number.POSITIVE_INFINITY)) < minPosition) return notFound;
  return notProjectedYet(what, minPosition);
}

/**
 * The answer to a read with `minPosition` of something the read models do not hold, when they have
 * not reached that position within the wait: it may be on its way or may not exist, so neither a 404
 * (found from outside: a customer created a moment before was "not found", on every read with
 * minPosition while the projector lagged) nor a guess. 503 with Retry-After, naming minPosition.
 */
export function notProjectedYet(what: string, minPosition: number): ProblemException {
  const detail = `${what} is not in the read models, which have not reached position ${minPosition} yet (waited READ_WAIT_TIMEOUT_MS): retry shortly; if it is still not found once they have, it does not exist`;
  return new ProblemException(503, detail, {
    code: 'NOT_PROJECTED_YET',
    errors: [{ field: 'minPosition', message: detail }],
    headers: { 'Retry-After': '1', 'X-Chronicle-Consistent': 'false' },
  });
}
