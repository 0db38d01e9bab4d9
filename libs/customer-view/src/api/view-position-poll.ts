// Where the projector runs in another process (or is fed by Kafka), a customer's live stream learns
// of new events from the 360 view's position. Every stream of this process is served by one poll:
// each tick reads the views of all the customers watched in one getMany, so the read load does not
// grow with the number of open consoles and the tick can be short.
import { Observable, type Subscriber } from 'rxjs';
import type { ReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION, type Customer360Document } from '../projections/customer-360.document';

/** How often the watched views are read: an open console sees a new event this long after the view has it, at most. */
export const VIEW_POLL_MS = 250;

export interface ViewPosition {
  readonly customerId: string;
  readonly position: number;
}

interface Watcher {
  /** The last position this stream knows of; undefined until the first read (nothing sent for it). */
  last: number | undefined;
  readonly subscriber: Subscriber<ViewPosition>;
}

export class ViewPositionPoll {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly store: Pick<ReadStore, 'getMany'>,
    private readonly everyMs = VIEW_POLL_MS,
  ) {}

  /**
   * The customer's 360 view position each time it moves past the last one this stream knows (from
   * `after` when given: at the first read if the view is already past it). Errors when a read fails.
   */
  watch(customerId: string, after: number | undefined): Observable<ViewPosition> {
    return new Observable<ViewPosition>((subscriber) => {
      const watcher: Watcher = { last: after, subscriber };
      const forCustomer = this.watchers.get(customerId) ?? new Set<Watcher>();
      forCustomer.add(watcher);
      this.watchers.set(customerId, forCustomer);
      this.timer ??= setInterval(() => void this.tick(), this.everyMs);
      return () => {
        forCustomer.delete(watcher);
        if (forCustomer.size === 0 && this.watchers.get(customerId) === forCustomer) this.watchers.delete(customerId);
        if (this.watchers.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      };
    });
  }

  /** Customers watched now (one read covers them all). */
  get watched(): number {
    return this.watchers.size;
  }

  private async tick(): Promise<void> {
    // A read slower than the tick is not overlapped by the next.
    if (this.reading || this.watchers.size === 0) return;
    this.reading = true;
    try {
      const views = await this.store.getMany<Customer360Document>(CUSTOMER_360_COLLECTION, [...this.watchers.keys()]);
      for (const [customerId, forCustomer] of this.watchers) {
        const position = views.get(customerId)?.lastPosition ?? 0;
        for (const watcher of forCustomer) {
          if (watcher.last !== undefined && position > watcher.last) watcher.subscriber.next({ customerId, position });
          watcher.last = Math.max(watcher.last ?? 0, position);
        }
      }
    } catch (error) {
      for (const forCustomer of [...this.watchers.values()]) for (const watcher of [...forCustomer]) watcher.subscriber.error(error);
    } finally {
      this.reading = false;
    }
  }
}
