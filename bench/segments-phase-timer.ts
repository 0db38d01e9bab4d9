// Where a segment evaluation spends its time, measured from outside the evaluator: a ReadStore
// wrapper counts wall time while any read is in flight (reads run in parallel, so summing their
// durations would count overlap twice), and a CommandExecutor wrapper counts time in appends.
import type { Filter, FindOptions, ReadStore } from '@app/read-store';
import { CommandExecutor } from '@app/platform';

export class PhaseTimer {
  private inFlight = 0;
  private since = 0;
  /** Milliseconds during which at least one read was running. */
  readMs = 0;
  /** Milliseconds inside CommandExecutor.execute (read the membership stream, decide, append). */
  commandMs = 0;
  commands = 0;
  /** Milliseconds inside find() calls (the evaluator's customer-id pages and the RFM population). */
  findMs = 0;

  reset(): void {
    this.readMs = 0;
    this.findMs = 0;
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

  /**
   * The read store with every read timed; writes pass through untimed. With `idPages`, the
   * evaluator's page query over customer360 (by the unindexed JSON field customerId) is answered by
   * the primary key `id` instead, which holds the same value: a what-if for the proposed fix.
   */
  readStore(store: ReadStore, options: { idPages?: boolean } = {}): ReadStore {
    const byId = (collection: string, filter: Filter, findOptions?: FindOptions): [Filter, FindOptions | undefined] => {
      if (!options.idPages || collection !== 'customer360' || findOptions?.sort?.[0]?.field !== 'customerId') return [filter, findOptions];
      const after = (filter as { customerId?: { gt?: string } }).customerId?.gt;
      return [after === undefined ? {} : { id: { gt: after } }, { ...findOptions, sort: [{ field: 'id', direction: 'asc' }] }];
    };
    return {
      ensureCollections: (definitions) => store.ensureCollections(definitions),
      get: (collection, id) => this.timeRead(() => store.get(collection, id)),
      getMany: (collection, ids) => this.timeRead(() => store.getMany(collection, ids)),
      find: async (collection, filter, findOptions) => {
        const started = performance.now();
        try {
          return await this.timeRead(() => store.find(collection, ...byId(collection, filter, findOptions)));
        } finally {
          this.findMs += performance.now() - started;
        }
      },
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
