// A projector thread that dies: the real one, which ends its thread (exit code 7) on its first run in
// a data folder, as a thread killed by a native fault or out of memory would. The thread started
// after it finds the marker file and projects. For the projector thread's supervision spec.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProjectorThreadData, ToProjectorThread } from '../projector-thread/projector-thread.protocol';
import '../projector-thread/projector-thread.worker';

const marker = join((workerData as { data: ProjectorThreadData }).data.config.DATA_DIR, 'projector-thread-died');
parentPort?.on('message', (message: ToProjectorThread) => {
  if (message.kind !== 'run' || existsSync(marker)) return;
  writeFileSync(marker, '');
  process.exit(7);
});
