// A batch thread that dies: the real one, which ends its thread (exit code 7) at its first batch in
// a data folder, as a thread killed by a native fault or out of memory would. The thread started
// after it finds the marker file and runs batches. For the batch thread's spec.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchThreadData, ToBatchThread } from '../batch-thread/batch-thread.protocol';
import '../batch-thread/batch-thread.worker';

const marker = join((workerData as { data: BatchThreadData }).data.config.DATA_DIR, 'batch-thread-died');
parentPort?.on('message', (message: ToBatchThread) => {
  if (message.kind !== 'run' || existsSync(marker)) return;
  writeFileSync(marker, '');
  process.exit(7);
});
