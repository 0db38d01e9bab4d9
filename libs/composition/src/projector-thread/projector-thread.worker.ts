// The projector thread of the all-in-one process: the embedded projector (subscription, projections,
// read-store writes) with its own connections to the SQLite files, driven by ProjectorThread.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { CodecEventStore } from '@app/event-store';
import { chronicleProjectorRunner, embeddedProjector } from '../embedded-projection';
import { openKeyStore, openReadStore, openStoredEventStore, readerCodec } from '../engines';
import type { FromProjectorThread, ProjectorThreadData, ToProjectorThread } from './projector-thread.protocol';

const port = parentPort;
if (!port) throw new Error('projector-thread.worker runs in a worker thread only');
const { config, listeners } = (workerData as { data: ProjectorThreadData }).data;
const listening = new Int32Array(listeners);
const post = (message: FromProjectorThread): void => port.postMessage(message);
const failure = (error: unknown): FromProjectorThread =>
  error instanceof Error ? { kind: 'failed', message: error.message, ...(error.stack ? { stack: error.stack } : {}) } : { kind: 'failed', message: String(error) };

async function open() {
  const keys = await openKeyStore(config);
  // Reads and follows the log the HTTP thread writes: no writer thread of its own.
  const stored = await openStoredEventStore(config, { readOnly: true });
  // Events as the domain reads them: the projections and the live updates get personal values in clear.
  const events = new CodecEventStore(stored, readerCodec(keys));
  // The HTTP thread's read store checkpoints the file in the background: no second checkpointer here.
  const store = await openReadStore(config, { checkpointsInBackground: false });
  const runner = chronicleProjectorRunner(config, store);
  runner.onApplied((applied) => post({ kind: 'applied', position: runner.position, ...(Atomics.load(listening, 0) > 0 ? { events: applied } : {}) }));
  return { keys, events, store, runner, projector: embeddedProjector(events, runner) };
}

const opening = open();
let attempt: AbortController | undefined;
let running: Promise<void> = Promise.resolve();

opening.then(
  () => post({ kind: 'opened' }),
  (error: unknown) => {
    post(failure(error));
    // Nothing to project with: end the thread, which the HTTP thread reports.
    process.exit(1);
  },
);

port.on('message', (message: ToProjectorThread) => {
  switch (message.kind) {
    case 'run':
      running = opening.then(async ({ store, runner, projector }) => {
        // A rebuild made another generation live: the HTTP thread switched, and this run follows it.
        if (store.generation !== message.generation) store.use(message.generation);
        const run = new AbortController();
        attempt = run;
        try {
          await projector.run({ signal: run.signal, ready: () => post({ kind: 'ready', position: runner.position }) });
          post({ kind: 'stopped' });
        } catch (error) {
          post(failure(error));
        }
      });
      return;
    case 'stop':
      attempt?.abort();
      return;
    case 'close':
      attempt?.abort();
      void running
        .then(() => opening)
        .then(async ({ keys, events, store }) => {
          await events.close();
          await store.close();
          await keys.close();
        })
        .finally(() => post({ kind: 'closed' }));
      return;
  }
});
