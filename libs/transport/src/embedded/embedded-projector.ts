// The embedded transport: an in-process subscription to the event store's global log, from the
// projector's checkpoint, feeding the projector runner batch by batch. A supervised pipeline: if
// the subscription fails (the store or a projection threw), the supervisor starts it again from the
// stored checkpoint after a backoff; the runner's idempotency makes the replayed part a no-op.
//
// Two batches in hand: the subscription reads the next batch, and the runner loads and projects it,
// while the read store writes the one before (in parallel where the store writes on a thread of its
// own or a server). A batch counts as done (lag, stop) once the store holds it, and a failed write
// ends the run even when no batch follows it.
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { Supervisor, type PipelineLag, type PipelineRun, type PipelineWork } from '@app/platform/supervision/supervisor';
import type { CheckpointStore } from '../kafka/checkpoint-store';
import { EventReactor, logLag, standaloneState, type EventReactorState } from '../reactor/event-reactor';
import type { ProjectorRunner } from '../projector/projector-runner';

export interface EmbeddedProjectorOptions {
  /** Most events per runner batch (default 500). */
  readonly maxBatchSize?: number;
  /** First restart delay after a failure when run standalone (default 200 ms). */
  readonly initialRetryDelayMs?: number;
  /** Upper bound of the restart delay when run standalone (default 30 s). */
  readonly maxRetryDelayMs?: number;
}

export type EmbeddedProjectorState = EventReactorState;

const DEFAULT_BATCH_SIZE = 500;

export class EmbeddedProjector implements PipelineWork {
  private readonly reactor: EventReactor;
  private standalone: Supervisor | undefined;
  /** The batch handed to the runner last, until the store holds it. */
  private inFlight: Promise<void> | undefined;
  /** Ends the current run when a write fails (set while a run lasts). */
  private failRun: ((error: unknown) => void) | undefined;

  constructor(
    private readonly events: EventStore,
    private readonly runner: ProjectorRunner,
    options: EmbeddedProjectorOptions = {},
  ) {
    // The runner stores its checkpoint in the same write as the documents, so the reactor only reads it.
    const checkpoints: CheckpointStore = { load: () => runner.checkpoint(), save: async () => undefined };
    this.reactor = new EventReactor(events, checkpoints, (batch) => this.hand(batch), {
      name: `projector ${runner.name}`,
      maxBatchSize: options.maxBatchSize ?? DEFAULT_BATCH_SIZE,
      ...(options.initialRetryDelayMs !== undefined ? { initialRetryDelayMs: options.initialRetryDelayMs } : {}),
      ...(options.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
    });
  }

  /**
   * One run: prepare the read models, then follow the log from the checkpoint until aborted. Rejects
   * when a batch fails, its projection or its write, and returns only once the store holds every
   * batch handed over (or one of them failed).
   */
  async run({ signal, ready }: PipelineRun): Promise<void> {
    await this.runner.start();
    // A write that fails while the subscription waits for new events must still end the run.
    const run = new AbortController();
    const stop = (): void => run.abort();
    if (signal.aborted) run.abort();
    else signal.addEventListener('abort', stop, { once: true });
    let failure: { error: unknown } | undefined;
    this.failRun = (error) => {
      failure ??= { error };
      run.abort();
    };
    try {
      await this.reactor.run({ signal: run.signal, ready });
    } finally {
      signal.removeEventListener('abort', stop);
      // The last batch handed over is written (or failed, which this run then reports) before it ends.
      const last = this.inFlight;
      this.inFlight = undefined;
      await last?.catch(() => undefined);
      this.failRun = undefined;
    }
    if (failure) throw failure.error;
  }

  /** Events after what the store holds, and the age of the oldest of them. */
  async lag(): Promise<PipelineLag> {
    return logLag(this.events, this.runner.position);
  }

  /**
   * Hands a batch to the runner and returns once the batch before it is in the store: the reactor
   * reads the next batch while this one is projected and written. At most two batches in hand.
   */
  private async hand(batch: readonly RecordedEvent[]): Promise<void> {
    const before = this.inFlight;
    const applying = this.runner.applyBatch(batch);
    this.inFlight = applying;
    applying.catch((error: unknown) => this.failRun?.(error));
    await before;
  }

  /** For a standalone projector: whether events are flowing, or a restart is pending after a failure. */
  get state(): EmbeddedProjectorState {
    return standaloneState(this.standalone?.state(this.runner.name));
  }

  /** Runs it under a supervisor of its own (tests and tools); resolves once subscribed. */
  async start(): Promise<void> {
    if (this.standalone) return;
    this.standalone = new Supervisor();
    await this.standalone.run({ name: this.runner.name, work: this, retry: this.reactor.retryPolicy });
  }

  /** Stops delivering; resolves once no batch is being applied. */
  async stop(): Promise<void> {
    const supervisor = this.standalone;
    this.standalone = undefined;
    await supervisor?.stopAll();
  }
}
