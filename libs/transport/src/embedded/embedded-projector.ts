// The embedded transport: an in-process subscription to the event store's global log, from the
// projector's checkpoint, feeding the projector runner batch by batch. A supervised pipeline: if
// the subscription fails (the store or a projection threw), the supervisor starts it again from the
// stored checkpoint after a backoff; the runner's idempotency makes the replayed part a no-op.
import type { EventStore } from '@app/event-store';
import { Supervisor, type PipelineLag, type PipelineRun, type PipelineWork } from '@app/platform/supervision/supervisor';
import type { CheckpointStore } from '../kafka/checkpoint-store';
import { EventReactor, standaloneState, type EventReactorState } from '../reactor/event-reactor';
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

  constructor(
    events: EventStore,
    private readonly runner: ProjectorRunner,
    options: EmbeddedProjectorOptions = {},
  ) {
    // The runner stores its checkpoint in the same write as the documents, so the reactor only reads it.
    const checkpoints: CheckpointStore = { load: () => runner.checkpoint(), save: async () => undefined };
    this.reactor = new EventReactor(events, checkpoints, (batch) => runner.applyBatch(batch), {
      name: `projector ${runner.name}`,
      maxBatchSize: options.maxBatchSize ?? DEFAULT_BATCH_SIZE,
      ...(options.initialRetryDelayMs !== undefined ? { initialRetryDelayMs: options.initialRetryDelayMs } : {}),
      ...(options.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
    });
  }

  /** One run: prepare the read models, then follow the log from the checkpoint until aborted. */
  async run(context: PipelineRun): Promise<void> {
    await this.runner.start();
    await this.reactor.run(context);
  }

  async lag(): Promise<PipelineLag> {
    return this.reactor.lag();
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
