// The all-in-one process's batch requests in a worker thread, as the HTTP thread sees them: a
// BatchRunner that hands each request (its items, context and arrival time) to the thread and
// answers with what the thread answered, or refuses as the thread refused (the same problem
// document, status and headers as on the HTTP thread). The thread starts at the first batch, so a
// process that never takes one never pays for it; a thread that ended (or could not open) fails the
// requests it held with a 500 and is started again for the next one.
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ProblemException, type BatchAnswer, type BatchRouteName, type BatchRunner, type ChronicleConfig, type RequestContext } from '@app/platform';
import { startModuleWorker, ThreadEnd } from '@app/threads';
import type { BatchThreadData, FromBatchThread, ToBatchThread } from './batch-thread.protocol';

/** How long close() waits for the batches under way and the thread's stores before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  readonly resolve: (answer: BatchAnswer<unknown>) => void;
  readonly reject: (error: Error) => void;
  /** Settles with the request (what close() and replace() wait for). */
  readonly answer: Promise<unknown>;
}

interface Thread {
  readonly worker: Worker;
  readonly end: ThreadEnd;
  /** Its requests not answered yet, by id. */
  readonly pending: Map<number, Pending>;
  /** Resolves with the thread's nice value once its command side is open. */
  readonly opened: Promise<number | undefined>;
  /** Ended on purpose (replace): its end is no news. */
  retired?: boolean;
}

export interface BatchThreadOptions {
  /** The worker module, without extension (tests start a variant of the real one). */
  readonly module?: string;
}

export class BatchThread implements BatchRunner {
  private readonly logger = new Logger('BatchThread');
  private nextId = 1;
  private thread: Thread | undefined;
  private closing = false;

  constructor(
    private readonly config: ChronicleConfig,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly options: BatchThreadOptions = {},
  ) {}

  async run<O>(route: BatchRouteName, items: readonly unknown[], ctx: RequestContext, now: Date): Promise<BatchAnswer<O>> {
    if (this.closing) throw new Error('the batch thread is closed (the process is shutting down)');
    const thread = this.thread ?? this.start();
    await thread.opened;
    const id = this.nextId++;
    let settle!: Omit<Pending, 'answer'>;
    const answer = new Promise<BatchAnswer<O>>((resolve, reject) => (settle = { resolve: resolve as (answer: BatchAnswer<unknown>) => void, reject }));
    thread.pending.set(id, { ...settle, answer });
    this.send(thread, { kind: 'run', id, route, items, ctx, now: now.getTime() });
    return answer;
  }

  /** The nice value the thread runs at, once it is open (starting it if need be); undefined where unknown. */
  async nice(): Promise<number | undefined> {
    return (this.thread ?? this.start()).opened;
  }

  /** Lets the batches under way finish, closes the thread's stores, then ends it. */
  async close(): Promise<void> {
    this.closing = true;
    const thread = this.thread;
    if (!thread) return;
    await thread.end.close(() => this.send(thread, { kind: 'close' }), CLOSE_TIMEOUT_MS, this.answered(thread));
  }

  /** Resolves once every request the thread holds now is answered. */
  private answered(thread: Thread): Promise<unknown> {
    return Promise.allSettled([...thread.pending.values()].map((pending) => pending.answer));
  }

  private start(): Thread {
    const data: BatchThreadData = { config: { ...this.config }, env: { ...this.env }, nice: this.config.BATCH_THREAD_NICE };
    const worker = startModuleWorker(this.options.module ?? join(__dirname, 'batch-thread.worker'), data, { name: 'chronicle-batches' });
    let opened!: { resolve: (nice: number | undefined) => void; reject: (error: Error) => void };
    const end = new ThreadEnd(worker, 'batch thread', (ended) => {
      if (this.thread === thread) this.thread = undefined;
      opened.reject(end.lastError ?? ended);
      for (const id of [...thread.pending.keys()]) this.settle(thread, id)?.reject(ended);
      if (!this.closing && !thread.retired) this.logger.error(ended.message, end.lastError?.stack);
    });
    const thread: Thread = {
      worker,
      end,
      pending: new Map(),
      opened: new Promise<number | undefined>((resolve, reject) => (opened = { resolve, reject })),
    };
    // Awaited by run(); a failure to open must not also surface as an unhandled rejection.
    thread.opened.catch(() => undefined);
    this.thread = thread;
    worker.on('message', (message: FromBatchThread) => {
      switch (message.kind) {
        case 'opened':
          opened.resolve(message.nice);
          return;
        case 'open-failed':
          end.lastError = Object.assign(new Error(`the batch thread could not open its stores: ${message.message}`), message.stack ? { stack: message.stack } : {});
          opened.reject(end.lastError);
          return;
        case 'answer':
          this.settle(thread, message.id)?.resolve(message.answer);
          return;
        case 'refused': {
          const { problem, headers } = message;
          const error = new ProblemException(problem.status, problem.detail, {
            ...(problem.code !== undefined ? { code: problem.code } : {}),
            ...(problem.errors !== undefined ? { errors: problem.errors } : {}),
            headers,
          });
          // An internal error is logged where it is answered: as the batch thread saw it.
          error.stack = message.stack ?? message.message;
          this.settle(thread, message.id)?.reject(error);
          // Its event store can write no more: the next batch gets a new thread.
          if (problem.code === 'WRITER_STOPPED' && this.thread === thread) void this.replace(thread);
          return;
        }
        case 'closed':
          end.closed();
          return;
      }
    });
    return thread;
  }

  /** Ends a thread that can serve no more once its requests are answered; the next batch starts another. */
  private async replace(thread: Thread): Promise<void> {
    this.thread = undefined;
    thread.retired = true;
    this.logger.error('the batch thread\'s event store writer stopped; the next batch starts a new batch thread');
    await this.answered(thread);
    await thread.worker.terminate();
  }

  private settle(thread: Thread, id: number): Pending | undefined {
    const pending = thread.pending.get(id);
    thread.pending.delete(id);
    return pending;
  }

  private send(thread: Thread, message: ToBatchThread): void {
    thread.worker.postMessage(message);
  }
}
