// The embedded transport: an in-process subscription to the event store's global log, from the
// projector's checkpoint, feeding the projector runner batch by batch. If the subscription fails
// (the store or a projection threw), it starts again from the stored checkpoint after a bounded
// backoff; the runner's idempotency makes the replayed part a no-op.
import type { EventStore } from '@app/event-store';
import type { CheckpointStore } from '../kafka/checkpoint-store';
import { EventReactor } from '../reactor/event-reactor';
import type { ProjectorRunner } from '../projector/projector-runner';

export interface EmbeddedProjectorOptions {
  /** Most events per runner batch (default 500). */
  readonly maxBatchSize?: number;
  /** First restart delay after a failure, doubled per consecutive failure (default 200 ms). */
  readonly initialRetryDelayMs?: number;
  /** Upper bound of the restart delay (default 30 s). */
  readonly maxRetryDelayMs?: number;
}

/** `restarting`: the subscription failed and a restart from the checkpoint is scheduled. */
export type EmbeddedProjectorState = 'stopped' | 'running' | 'restarting';

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_INITIAL_RETRY_MS = 200;
const DEFAULT_MAX_RETRY_MS = 30_000;

export class EmbeddedProjector {
  private readonly reactor: EventReactor;

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
      initialRetryDelayMs: options.initialRetryDelayMs ?? DEFAULT_INITIAL_RETRY_MS,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_MS,
    });
  }

  /** For health checks: whether events are flowing, or a restart is pending after a failure. */
  get state(): EmbeddedProjectorState {
    return this.reactor.state;
  }

  /** Prepares the read models and subscribes from the checkpoint; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.reactor.state !== 'stopped') return;
    await this.runner.start();
    await this.reactor.start();
  }

  /** Stops delivering; resolves once no batch is being applied. */
  stop(): Promise<void> {
    return this.reactor.stop();
  }

  /** Rebuilds the read models from the whole log: stop, forget documents and checkpoint, start. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.runner.reset();
    await this.start();
  }
}
