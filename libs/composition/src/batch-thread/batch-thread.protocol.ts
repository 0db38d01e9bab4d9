// The messages between the all-in-one process's HTTP thread and its batch thread.
import type { BatchAnswer, BatchRouteName, ChronicleConfig, Problem, RequestContext } from '@app/platform';

/** What the batch thread is started with (workerData.data). */
export interface BatchThreadData {
  readonly config: ChronicleConfig;
  /** The environment the process started with (the capabilities read their own settings from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Its CPU priority below the HTTP thread's (BATCH_THREAD_NICE). */
  readonly nice: number;
}

export type ToBatchThread =
  /** Run one batch request; `now` (epoch ms) is when the HTTP thread received it. */
  | { readonly kind: 'run'; readonly id: number; readonly route: BatchRouteName; readonly items: readonly unknown[]; readonly ctx: RequestContext; readonly now: number }
  /** Close the command side's stores; the thread answers `closed` and may then be terminated. */
  | { readonly kind: 'close' };

export type FromBatchThread =
  /** The command side is open; `nice` is the priority the thread runs at (undefined where unknown). */
  | { readonly kind: 'opened'; readonly nice?: number }
  /** Opening the command side failed. */
  | { readonly kind: 'open-failed'; readonly message: string; readonly stack?: string }
  | { readonly kind: 'answer'; readonly id: number; readonly answer: BatchAnswer<unknown> }
  /**
   * The request failed as a whole, as the HTTP thread must answer it: `problem` and `headers` as the
   * problem filter would make them there; `message` and `stack` for the log of an internal error.
   */
  | {
      readonly kind: 'refused';
      readonly id: number;
      readonly problem: Problem;
      readonly headers: Readonly<Record<string, string>>;
      readonly message: string;
      readonly stack?: string;
    }
  | { readonly kind: 'closed' };
