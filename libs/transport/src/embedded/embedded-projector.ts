// The embedded transport: an in-process subscription to the event store's global log, from the
// projector's checkpoint, feeding the projector runner batch by batch. If the subscription fails
// (the store or a projection threw), it starts again from the stored checkpoint after a bounded
// backoff; the runner's idempotency makes the replayed part a no-op.
import { Logger } from '@nestjs/common';
import type { EventStore, Subscription } from '@app/event-store';
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
  private readonly logger = new Logger('EmbeddedProjector');
  private readonly maxBatchSize: number;
  private readonly initialRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private subscription: Subscription | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Bumped by stop(): a subscription or restart of an older run must not act any more. */
  private generation = 0;
  private running = false;

  constructor(
    private readonly events: EventStore,
    private readonly runner: ProjectorRunner,
    options: EmbeddedProjectorOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_BATCH_SIZE;
    this.initialRetryDelayMs = options.initialRetryDelayMs ?? DEFAULT_INITIAL_RETRY_MS;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_MS;
  }

  /** For health checks: whether events are flowing, or a restart is pending after a failure. */
  get state(): EmbeddedProjectorState {
    if (!this.running) return 'stopped';
    return this.restartTimer ? 'restarting' : 'running';
  }

  /** Prepares the read models and subscribes from the checkpoint; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const generation = this.generation;
    await this.runner.start();
    await this.subscribe(generation);
  }

  /** Stops delivering; resolves once no batch is being applied. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation += 1;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  /** Rebuilds the read models from the whole log: stop, forget documents and checkpoint, start. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.runner.reset();
    await this.start();
  }

  private async subscribe(generation: number): Promise<void> {
    const checkpoint = await this.runner.checkpoint();
    if (generation !== this.generation) return;
    // A checkpoint of 0 is a reset (rebuild): positions start above it, so it means the beginning.
    const from = checkpoint === null || checkpoint === 0 ? ('start' as const) : { after: checkpoint };
    const subscription = this.events.subscribeToAll({ from, maxBatchSize: this.maxBatchSize }, async (batch) => {
      await this.runner.applyBatch(batch);
      this.failures = 0;
    });
    this.subscription = subscription;
    subscription.done.catch((error: unknown) => this.restartAfterFailure(generation, error));
  }

  private restartAfterFailure(generation: number, error: unknown): void {
    if (generation !== this.generation) return;
    this.subscription = undefined;
    const delay = Math.min(this.maxRetryDelayMs, this.initialRetryDelayMs * 2 ** this.failures);
    this.failures += 1;
    this.logger.error(
      `Subscription failed (${this.failures} in a row), restarting from the checkpoint in ${delay} ms: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.subscribe(generation).catch((failure: unknown) => this.restartAfterFailure(generation, failure));
    }, delay);
  }
}
