// The messages between the all-in-one process's HTTP thread and its projector thread.
import type { RecordedEvent } from '@app/event-sourcing';
import type { ChronicleConfig } from '@app/platform';

/** What the projector thread is started with (workerData.data). */
export interface ProjectorThreadData {
  readonly config: ChronicleConfig;
  /**
   * One Int32: how many live-update listeners the HTTP thread has. The projector thread copies the
   * applied events across only while it is above 0 (structured cloning every batch costs the HTTP thread).
   */
  readonly listeners: SharedArrayBuffer;
}

export type ToProjectorThread =
  /** Start one run (subscribe from the checkpoint) on this read-model generation. */
  | { readonly kind: 'run'; readonly generation: number }
  /** End the run under way. */
  | { readonly kind: 'stop' }
  /** Close the stores; the thread answers `closed` and may then be terminated. */
  | { readonly kind: 'close' };

export type FromProjectorThread =
  /** The stores are open; the thread takes `run`. */
  | { readonly kind: 'opened' }
  /** The run is subscribed; `position` is the checkpoint it started from. */
  | { readonly kind: 'ready'; readonly position: number }
  /** A batch is in the read store; `events` only while the HTTP thread has listeners. */
  | { readonly kind: 'applied'; readonly position: number; readonly events?: readonly RecordedEvent[] }
  /** The run ended after `stop`. */
  | { readonly kind: 'stopped' }
  /** The run (or opening the stores) failed. */
  | { readonly kind: 'failed'; readonly message: string; readonly stack?: string }
  | { readonly kind: 'closed' };
