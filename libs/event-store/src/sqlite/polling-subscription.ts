// A subscription to the SQLite global log: reads batches after its checkpoint, then waits for a commit
// notification from this process or for the poll timer (writes from another process on the same file).
import type { RecordedEvent } from '@app/event-sourcing';
import type { BatchHandler, Subscription } from '../event-store.port';

export interface PollingSubscriptionOptions {
  /** Exclusive global position to start after (0 = from the beginning). */
  readonly after: number;
  /**
   * Reads the next batch strictly after a position, in position order, and says how far it looked:
   * a filtered read may look past events it does not deliver, and the next read starts there.
   */
  readonly read: (after: number) => { readonly events: RecordedEvent[]; readonly lookedUpTo: number };
  readonly handler: BatchHandler;
  /** Called with the position the subscription has followed the log to, each time it moves. */
  readonly onPassed?: (position: number) => void;
  readonly pollIntervalMs: number;
  readonly onEnd: (subscription: PollingSubscription) => void;
}

export class PollingSubscription implements Subscription {
  readonly done: Promise<void>;
  private position: number;
  private closing = false;
  /** Set by notify(); a commit that lands while a batch is being handled is not missed. */
  private dirty = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: PollingSubscriptionOptions) {
    this.position = options.after;
    this.done = this.run();
    // A failure is reported through `done`; it must not also crash the process when nobody awaits it.
    this.done.catch(() => undefined);
  }

  /** A commit happened in this process: look for new events now instead of at the next poll. */
  notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    // Never call the handler synchronously from subscribeToAll().
    await Promise.resolve();
    try {
      while (!this.closing) {
        this.dirty = false;
        // One writer at a time and AUTOINCREMENT positions: a committed position is never followed by a
        // smaller one becoming visible later, so reading strictly after the checkpoint leaves no gaps.
        const { events: batch, lookedUpTo } = this.options.read(this.position);
        if (batch.length === 0) {
          this.moveTo(lookedUpTo);
          await this.waitForEvents();
          continue;
        }
        await this.options.handler(batch);
        this.moveTo(Math.max(batch[batch.length - 1].position, lookedUpTo));
        // Let the event loop run between batches. A synchronous store's reads and writes settle as
        // microtasks, so without this a backlog would be worked off in one unbroken stretch, and
        // the process would answer no request, timer or heartbeat until it was done.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.wake = null;
      this.options.onEnd(this);
    }
  }

  private moveTo(position: number): void {
    if (position <= this.position) return;
    this.position = position;
    this.options.onPassed?.(position);
  }

  private waitForEvents(): Promise<void> {
    if (this.dirty || this.closing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wakeUp = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(wakeUp, this.options.pollIntervalMs);
      // An idle subscription alone does not keep the process alive; the app's server or CLI does.
      timer.unref();
      this.wake = wakeUp;
    });
  }
}
