// The batch thread's first import: it lowers the thread's CPU priority before the thread loads the
// rest of Chronicle (module loading is most of its start), so that start, like every batch after
// it, gives way to the HTTP thread.
import { workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '@app/threads';
import type { BatchThreadData } from './batch-thread.protocol';

lowerThreadPriority((workerData as { data: BatchThreadData }).data.nice);
