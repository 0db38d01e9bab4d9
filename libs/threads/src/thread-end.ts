// What a thread keeps of a worker thread it started and talks to by messages (the all-in-one
// process's projector thread and batch thread): the last error it raised, when it ended, and a
// close that asks first and terminates after a bound.
import type { Worker } from 'node:worker_threads';

export class ThreadEnd {
  /** The last error the thread raised, or reported in a message (whoever reads the messages sets it). */
  lastError: Error | undefined;
  /** Resolves with the exit code once the thread has ended. */
  readonly exited: Promise<number>;
  private closeAnswered: (() => void) | undefined;

  /** `onExit` hears, once the thread ended, an error naming it (`what`), its exit code and its last error. */
  constructor(
    private readonly worker: Worker,
    what: string,
    onExit: (ended: Error) => void,
  ) {
    this.exited = new Promise<number>((resolve) => {
      worker.on('error', (error) => {
        this.lastError = error;
      });
      worker.on('exit', (code) => {
        resolve(code);
        onExit(new Error(`the ${what} ended (exit code ${code})${this.lastError ? `: ${this.lastError.message}` : ''}`));
      });
    });
  }

  /** The thread answered the close message `close` sent (its stores are closed). */
  closed(): void {
    this.closeAnswered?.();
  }

  /**
   * Waits for `first` (work under way), then sends the thread its close message (`sendClose`) and
   * waits for `closed()`, each for as long as the thread lives and `timeoutMs` in all allows; then
   * terminates it.
   */
  async close(sendClose: () => void, timeoutMs: number, first?: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    if (first) await Promise.race([first, this.exited, timeout]);
    const answered = new Promise<void>((resolve) => (this.closeAnswered = resolve));
    sendClose();
    await Promise.race([answered, this.exited, timeout]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
