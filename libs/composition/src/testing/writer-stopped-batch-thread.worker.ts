// A batch thread whose event store writer stopped: the real one, which in the first thread started
// in a data folder refuses every batch as a store whose writer thread died does (503 WRITER_STOPPED:
// that store can write no more). A thread started after it finds the marker file and runs batches.
// For the batch thread's spec: the HTTP thread must replace such a thread, not keep sending to it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { toProblem } from '@app/platform';
import { EventStoreWriterStoppedError } from '@app/event-store';
import type { BatchThreadData, FromBatchThread, ToBatchThread } from '../batch-thread/batch-thread.protocol';
import '../batch-thread/batch-thread.worker';

const marker = join((workerData as { data: BatchThreadData }).data.config.DATA_DIR, 'batch-thread-writer-stopped');
const stopped = !existsSync(marker);
if (stopped) writeFileSync(marker, '');
parentPort?.on('message', (message: ToBatchThread) => {
  if (message.kind !== 'run' || !stopped) return;
  const error = new EventStoreWriterStoppedError('events.sqlite', 1);
  const problem = toProblem(error);
  parentPort?.postMessage({ kind: 'refused', id: message.id, problem, headers: {}, message: error.message } satisfies FromBatchThread);
});
