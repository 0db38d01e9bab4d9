// Follows the event store's global log: subscribes from a saved checkpoint, hands each batch to a
// handler, and saves the checkpoint only after the handler finished, so a crash redelivers the batch
// (handlers must be idempotent). A failed batch restarts the subscription from the checkpoint after a
// bounded backoff. The embedded projector, the loyalty reactor and the segment reactor all run on it.
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore, Subscription } from '@app/event-store';
import type { CheckpointStore } from '../kafka/checkpoint-store';
import { PositionWaiters } from '../projector/position-waiters';

export type ReactionHandler = (events: readonly RecordedEvent[]) => Promise<void>;

export interface EventReactorOptions {
  /** Checkpoint name; one per reactor. */
  readonly name: string;
  /** Most events per handler call (default 200). */
  readonly maxBatchSize?: number;
  /** First restart delay after a failure, doubled per consecutive failure (default 200 ms). */
  readonly initialRetryDelayMs?: number;
  /** Upper bound of the restart delay (default 30 s). */
  readonly maxRetryDelayMs?: number;
}

export class EventReactor {
  private readonly logger: Logger;
  private subscription: Subscription | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private generation = 0;
  private running = false;
  private readonly progress = new PositionWaiters();

  constructor(
    private readonly events: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly handler: ReactionHandler,
    private readonly options: EventReactorOptions,
  ) {
    this.logger = new Logger(`EventReactor ${options.name}`);
  }

  /** For health checks: whether events are flowing, or a restart is pending after a failure. */
  get state(): 'stopped' | 'running' | 'restarting' {
    if (!this.running) return 'stopped';
    return this.restartTimer ? 'restarting' : 'running';
  }

  /** The highest global position whose batch the handler finished (and the checkpoint holds). */
  get position(): number {
    return this.progress.position;
  }

  /** Subscribes from the checkpoint; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.subscribe(this.generation);
  }

  /** Stops delivering; resolves once no batch is being handled. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation += 1;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  /** Resolves true once every event up to `position` was handled, false after `timeoutMs`. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }

  private async subscribe(generation: number): Promise<void> {
    const checkpoint = await this.checkpoints.load(this.options.name);
    if (generation !== this.generation) return;
    if (checkpoint !== null) this.advance(checkpoint);
    const subscription = this.events.subscribeToAll(
      // A checkpoint of 0 is a reset (rebuild): positions start above it, so it means the beginning.
      { from: checkpoint === null || checkpoint === 0 ? 'start' : { after: checkpoint }, maxBatchSize: this.options.maxBatchSize ?? 200 },
      async (batch) => {
        if (batch.length === 0) return;
        await this.handler(batch);
        const last = batch[batch.length - 1].position;
        await this.checkpoints.save(this.options.name, last);
        this.failures = 0;
        this.advance(last);
      },
    );
    this.subscription = subscription;
    subscription.done.catch((error: unknown) => this.restartAfterFailure(generation, error));
  }

  private restartAfterFailure(generation: number, error: unknown): void {
    if (generation !== this.generation) return;
    this.subscription = undefined;
    const delay = Math.min(this.options.maxRetryDelayMs ?? 30_000, (this.options.initialRetryDelayMs ?? 200) * 2 ** this.failures);
    this.failures += 1;
    this.logger.error(
      `Batch failed (${this.failures} in a row), restarting from the checkpoint in ${delay} ms: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.subscribe(generation).catch((failure: unknown) => this.restartAfterFailure(generation, failure));
    }, delay);
  }

  private advance(position: number): void {
    this.progress.advance(position);
  }
}
