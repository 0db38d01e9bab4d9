// The batch thread of the all-in-one process: a command side of its own (the command modules, the
// event store with its writer thread, the data keys, snapshots, idempotency keys: the stores a
// command-api process opens, on the same files), running the batch requests the HTTP thread hands
// over (BatchThread), at a lower CPU priority than the HTTP thread.
// First: the thread's priority drops before it loads anything else (batch-thread-priority.ts).
import './batch-thread-priority';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchRoutes, problemHeaders, toProblem } from '@app/platform';
import { threadNice } from '@app/threads';
import { ChronicleModule } from '../chronicle.module';
import type { BatchThreadData, FromBatchThread, ToBatchThread } from './batch-thread.protocol';

const port = parentPort;
if (!port) throw new Error('batch-thread.worker runs in a worker thread only');
const { config, env } = (workerData as { data: BatchThreadData }).data;
const post = (message: FromBatchThread): void => port.postMessage(message);

async function open() {
  // The stores and command modules of a command-api process; no HTTP layer, no pipelines of its own.
  const context = await NestFactory.createApplicationContext(ChronicleModule.forRoot({ ...config, CHRONICLE_ROLE: 'command-api' }, { env, batchThread: true }), {
    bufferLogs: true,
    abortOnError: false,
  });
  context.useLogger(context.get(PinoLogger));
  context.flushLogs();
  return { context, routes: context.get(BatchRoutes) };
}

const opening = open();
opening.then(
  () => {
    const nice = threadNice();
    post({ kind: 'opened', ...(nice !== undefined ? { nice } : {}) });
  },
  (error: unknown) => {
    post({ kind: 'open-failed', message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
    // Nothing to run batches with: end the thread, which the HTTP thread reports.
    process.exit(1);
  },
);

port.on('message', (message: ToBatchThread) => {
  switch (message.kind) {
    case 'run':
      void opening
        .then(({ routes }) => routes.run(message.route, message.items, message.ctx, new Date(message.now)))
        .then(
          (answer) => post({ kind: 'answer', id: message.id, answer }),
          (error: unknown) => {
            const problem = toProblem(error);
            post({
              kind: 'refused',
              id: message.id,
              problem,
              headers: problemHeaders(error, problem),
              message: error instanceof Error ? error.message : String(error),
              ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
            });
          },
        );
      return;
    case 'close':
      void opening
        .then(({ context }) => context.close())
        .catch(() => undefined)
        .finally(() => post({ kind: 'closed' }));
      return;
  }
});
