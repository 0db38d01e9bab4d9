// Follows the event store's global log: subscribes from a saved checkpoint, hands each batch to a
// handler, and saves the checkpoint only after the handler finished, so a crash redelivers the batch
// (handlers must be idempotent). It is a supervised pipeline: a failed batch ends the run, and the
// supervisor restarts it from the checkpoint after a backoff. The embedded projector, the loyalty
// reactor and the segment reactor all run on it.
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { aborted, Supervisor, type PipelineAlert, type PipelineLag, type PipelineRun, type PipelineState, type PipelineWork, type RetryPolicy } from '@app/platform/supervision/supervisor';
import type { CheckpointStore } from '../kafka/checkpoint-store';
import { PositionWaiters } from '../projector/position-waiters';

export type ReactionHandler = ((events: readonly RecordedEvent[]) => Promise<void>) & {
  /** What the handler set aside that an operator must see (listed on /health/ready, counted in /metrics). */
  readonly alerts?: () => readonly PipelineAlert[];
};

export interface EventReactorOptions {
  /** Checkpoint and pipeline name; one per reactor. */
  readonly name: string;
  /** Most events per handler call (default 200). */
  readonly maxBatchSize?: number;
  /**
   * The event types the handler acts on; the store delivers only those (default: every event). The
   * checkpoint then names the last event of these types handled, and the lag counts only them.
   */
  readonly types?: readonly string[];
  /**
   * The types whose content (data) the handler reads; the others reach it undecoded (SubscribeOptions.contentOf).
   * Default: every event decoded.
   */
  readonly contentOf?: readonly string[];
  /** First restart delay after a failure when run standalone with start() (default 200 ms). */
  readonly initialRetryDelayMs?: number;
  /** Upper bound of the restart delay when run standalone (default 30 s). */
  readonly maxRetryDelayMs?: number;
}

/** `restarting`: the last run failed and a restart from the checkpoint is scheduled. */
export type EventReactorState = 'stopped' | 'running' | 'restarting';

export class EventReactor implements PipelineWork {
  private readonly progress = new PositionWaiters();
  private standalone: Supervisor | undefined;

  constructor(
    private readonly events: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly handler: ReactionHandler,
    private readonly options: EventReactorOptions,
  ) {}

  get name(): string {
    return this.options.name;
  }

  alerts(): readonly PipelineAlert[] {
    return this.handler.alerts?.() ?? [];
  }

  /** The restart policy its options ask for, for whoever supervises it. */
  get retryPolicy(): RetryPolicy {
    return { initialDelayMs: this.options.initialRetryDelayMs ?? 200, maxDelayMs: this.options.maxRetryDelayMs ?? 30_000 };
  }

  /**
   * The highest global position up to which the handler finished every event it is given (the
   * checkpoint holds the last of them; with `types`, this may be further on, past other events).
   */
  get position(): number {
    return this.progress.position;
  }

  /** Resolves true once every event up to `position` was handled, false after `timeoutMs`. */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }

  /** One run: subscribe from the checkpoint and handle batches until aborted; rejects when a batch fails. */
  async run({ signal, ready }: PipelineRun): Promise<void> {
    const checkpoint = await this.checkpoints.load(this.options.name);
    if (signal.aborted) return;
    // After a restart the checkpoint is where this run starts, even if an earlier run got further.
    if (checkpoint !== null && checkpoint < this.progress.position) this.progress.reset(checkpoint);
    if (checkpoint !== null) this.progress.advance(checkpoint);
    const subscription = this.events.subscribeToAll(
      // A checkpoint of 0 is a reset (rebuild): positions start above it, so it means the beginning.
      {
        from: checkpoint === null || checkpoint === 0 ? 'start' : { after: checkpoint },
        maxBatchSize: this.options.maxBatchSize ?? 200,
        // Its position follows the log past events of other types, so "handled up to the head" holds
        // once every event of its types up to the head is handled.
        ...(this.options.types ? { types: this.options.types, onPassed: (position: number) => this.progress.advance(position) } : {}),
        ...(this.options.contentOf ? { contentOf: this.options.contentOf } : {}),
      },
      async (batch) => {
        if (batch.length === 0) return;
        await this.handler(batch);
        const last = batch[batch.length - 1].position;
        await this.checkpoints.save(this.options.name, last);
        this.progress.advance(last);
      },
    );
    ready();
    try {
      await Promise.race([subscription.done, aborted(signal)]);
    } finally {
      await subscription.close();
    }
    // A failure that raced the abort still counts.
    await subscription.done;
  }

  /** Events after the checkpoint, and the age of the oldest of them. */
  async lag(): Promise<PipelineLag> {
    return logLag(this.events, this.position, this.options.types);
  }

  /** Runs it under a supervisor of its own (tests and tools); resolves once subscribed. */
  async start(): Promise<void> {
    if (this.standalone) return;
    this.standalone = new Supervisor();
    await this.standalone.run({ name: this.options.name, work: this, retry: this.retryPolicy });
  }

  /** Stops delivering; resolves once no batch is being handled. */
  async stop(): Promise<void> {
    const supervisor = this.standalone;
    this.standalone = undefined;
    await supervisor?.stopAll();
  }

  /** For a standalone reactor: whether events are flowing, or a restart is pending after a failure. */
  get state(): EventReactorState {
    return standaloneState(this.standalone?.state(this.options.name));
  }
}

/**
 * How far a follower of the global log at `position` is behind the store's head; for a follower of
 * some types only, whether one of those is waiting (the others after its checkpoint are no work).
 */
export async function logLag(events: EventStore, position: number, types?: readonly string[]): Promise<PipelineLag> {
  const [next] = types ? await events.queryLog({ after: position, types, maxCount: 1 }) : await events.readAll({ after: position, maxCount: 1 });
  if (!next) return { events: 0, seconds: 0 };
  const head = await events.headPosition();
  return {
    // SQLite positions count events; EventStoreDB's are log offsets, so there this is an upper bound.
    events: Math.max(1, head - position),
    seconds: Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000),
  };
}

/** The three states a standalone pipeline shows to its owner. */
export function standaloneState(state: PipelineState | undefined): EventReactorState {
  switch (state) {
    case undefined:
    case 'stopped':
      return 'stopped';
    case 'retrying':
    case 'failed':
      return 'restarting';
    default:
      return 'running';
  }
}
