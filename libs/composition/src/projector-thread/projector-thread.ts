// The all-in-one process's embedded projector in a worker thread, as the HTTP thread sees it: a
// supervised pipeline (a run that fails, or a thread that dies, is restarted with backoff and shows
// in /health/ready and /metrics), and the projection progress read-your-writes and live updates
// wait on. The thread opens its own connections to the same SQLite files, as the projector role in
// a separate process does; commits of this process reach its subscription at once (SqliteEventStore
// tells every connection of the process to the file).
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { type AppliedEvents, type ChronicleConfig, type PipelineLag, type PipelineRun, type PipelineWork, type ProjectionProgress } from '@app/platform';
import { startModuleWorker, ThreadEnd } from '@app/threads';
import { AppliedListeners, logLag, PositionWaiters, type AppliedEventsListener } from '@app/transport';
import type { FromProjectorThread, ProjectorThreadData, ToProjectorThread } from './projector-thread.protocol';


/** How long close() lets the thread close its stores before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000;

interface Thread {
  readonly worker: Worker;
  readonly end: ThreadEnd;
  /** Resolves once its stores are open; rejects if opening failed or the thread ended first. */
  readonly opened: Promise<void>;
  /** Settles the run under way, if any. */
  run?: { readonly ready: () => void; readonly resolve: () => void; readonly reject: (error: Error) => void };
}

export interface ProjectorThreadOptions {
  /** The worker module, without extension (tests start a variant of the real one). */
  readonly module?: string;
  /** The live read-model generation, for each run (the HTTP thread follows rebuilds). */
  readonly generation?: () => number;
}

export class ProjectorThread implements PipelineWork, ProjectionProgress, AppliedEvents {
  private readonly logger = new Logger('ProjectorThread');
  private readonly progress = new PositionWaiters();
  /** How many listen, shared with the thread: it sends the applied events only while someone does. */
  private readonly listening = new Int32Array(new SharedArrayBuffer(4));
  private readonly listeners = new AppliedListeners(this.logger, (count) => Atomics.store(this.listening, 0, count));
  private thread: Thread | undefined;
  private closing = false;

  constructor(
    private readonly config: ChronicleConfig,
    /** The HTTP thread's own event store: how far the log goes, for the lag. */
    private readonly events: EventStore,
    private readonly options: ProjectorThreadOptions = {},
  ) {}

  /** The highest position the projector thread has applied (or started from). */
  get position(): number {
    return this.progress.position;
  }

  /** One run in the thread (started first if it is not running): resolves after the signal aborted it, rejects when it failed or the thread ended. */
  async run({ signal, ready }: PipelineRun): Promise<void> {
    if (this.closing) throw new Error('the projector thread is closed');
    const thread = this.thread ?? this.start();
    await thread.opened;
    if (signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
      thread.run = { ready, resolve, reject };
      const stop = (): void => this.send(thread, { kind: 'stop' });
      signal.addEventListener('abort', stop, { once: true });
      this.send(thread, { kind: 'run', generation: this.options.generation?.() ?? 0 });
    }).finally(() => {
      thread.run = undefined;
    });
  }

  async lag(): Promise<PipelineLag> {
    return logLag(this.events, this.progress.position);
  }

  waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }

  onApplied(listener: AppliedEventsListener): () => void {
    return this.listeners.add(listener);
  }

  /** Ends the thread once its stores are closed (after the supervisor stopped the run). */
  async close(): Promise<void> {
    this.closing = true;
    const thread = this.thread;
    if (!thread) return;
    await thread.end.close(() => this.send(thread, { kind: 'close' }), CLOSE_TIMEOUT_MS);
  }

  private start(): Thread {
    const data: ProjectorThreadData = { config: { ...this.config }, listeners: this.listening.buffer as SharedArrayBuffer };
    const worker = startModuleWorker(this.options.module ?? join(__dirname, 'projector-thread.worker'), data, { name: 'chronicle-projector' });
    let opened!: { resolve: () => void; reject: (error: Error) => void };
    const end = new ThreadEnd(worker, 'projector thread', (ended) => {
      if (this.thread === thread) this.thread = undefined;
      if (this.closing) return;
      // Loud: the supervisor logs it too, restarts a new thread and shows it in /health/ready.
      this.logger.error(ended.message, end.lastError?.stack);
      opened.reject(ended);
      thread.run?.reject(ended);
    });
    const thread: Thread = {
      worker,
      end,
      opened: new Promise<void>((resolve, reject) => (opened = { resolve, reject })),
    };
    // Awaited by run(); a failure to open must not also surface as an unhandled rejection.
    thread.opened.catch(() => undefined);
    this.thread = thread;
    worker.on('message', (message: FromProjectorThread) => {
      switch (message.kind) {
        case 'opened':
          opened.resolve();
          return;
        case 'ready':
          // A run starts from the stored checkpoint, which is lower after a switch to a rebuilt generation.
          if (message.position < this.progress.position) this.progress.reset(message.position);
          this.progress.advance(message.position);
          thread.run?.ready();
          return;
        case 'applied':
          this.progress.advance(message.position);
          if (message.events) this.listeners.notify(message.events);
          return;
        case 'stopped':
          thread.run?.resolve();
          return;
        case 'failed': {
          const error = Object.assign(new Error(message.message), message.stack ? { stack: message.stack } : {});
          end.lastError = error;
          if (thread.run) thread.run.reject(error);
          else opened.reject(error);
          return;
        }
        case 'closed':
          end.closed();
          return;
      }
    });
    return thread;
  }

  private send(thread: Thread, message: ToProjectorThread): void {
    thread.worker.postMessage(message);
  }

}
