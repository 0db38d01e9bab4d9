// Where a segment evaluation spends its time, measured from outside the evaluator: a ReadStore
// wrapper counts wall time while any read is in flight (reads run in parallel, so summing their
// durations would count overlap twice), and a CommandExecutor wrapper counts time in appends.
import type { ReadStore } from '@app/read-store';
import { CommandExecutor } from '@app/platform';

export class PhaseTimer {
  private inFlight = 0;
  private since = 0;
  /** Milliseconds during which at least one read was running. */
  readMs = 0;
  /** Milliseconds inside CommandExecutor.execute (read the membership stream, decide, append). */
  commandMs = 0;
  commands = 0;

  reset(): void {
    this.readMs = 0;
    this.commandMs = 0;
    this.commands = 0;
  }

  async timeRead<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight++ === 0) this.since = performance.now();
    try {
      return await work();
    } finally {
      if (--this.inFlight === 0) this.readMs += performance.now() - this.since;
    }
  }

  /** The read store with every read timed; writes pass through untimed. */
  readStore(store: ReadStore): ReadStore {
    return {
      ensureCollections: (definitions) => store.ensureCollections(definitions),
      get: (collection, id) => this.timeRead(() => store.get(collection, id)),
      getMany: (collection, ids) => this.timeRead(() => store.getMany(collection, ids)),
      find: (collection, filter, options) => this.timeRead(() => store.find(collection, filter, options)),
      count: (collection, filter) => this.timeRead(() => store.count(collection, filter)),
      aggregate: (collection, filter, spec) => this.timeRead(() => store.aggregate(collection, filter, spec)),
      applyBatch: (writes, checkpoint) => store.applyBatch(writes, checkpoint),
      getCheckpoint: (name) => store.getCheckpoint(name),
      clear: (collections) => store.clear(collections),
      close: () => store.close(),
    } as ReadStore;
  }

  /** A CommandExecutor whose execute is timed (commands are issued one at a time by the evaluator). */
  executor(inner: CommandExecutor): CommandExecutor {
    const timer = this;
    return Object.assign(Object.create(CommandExecutor.prototype) as CommandExecutor, {
      async execute(...args: Parameters<CommandExecutor['execute']>) {
        const started = performance.now();
        try {
          return await inner.execute(...args);
        } finally {
          timer.commandMs += performance.now() - started;
          timer.commands += 1;
        }
      },
    });
  }
}
