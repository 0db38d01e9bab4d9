// Who hears of each batch a projector applied (live updates for consoles): the in-process runner
// and the projector thread's main-thread side keep them alike.
import type { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';

export type AppliedEventsListener = (events: readonly RecordedEvent[]) => void;

export class AppliedListeners {
  private readonly listeners = new Set<AppliedEventsListener>();

  /** `onCount`: told the number of listeners whenever it changes. */
  constructor(
    private readonly logger: Logger,
    private readonly onCount: (count: number) => void = () => undefined,
  ) {}

  /** Adds a listener; returns the unsubscribe. */
  add(listener: AppliedEventsListener): () => void {
    this.listeners.add(listener);
    this.onCount(this.listeners.size);
    return () => {
      this.listeners.delete(listener);
      this.onCount(this.listeners.size);
    };
  }

  notify(events: readonly RecordedEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (error: unknown) {
        // A listener (a console's live feed) must not fail the batch the store already holds, nor the other feeds.
        this.logger.warn(`onApplied listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
