// The highest global position something has reached, and promises waiting for a position: shared by
// the projector runner (read-your-writes), the event reactor and the stored checkpoint's progress.
interface Waiter {
  readonly position: number;
  readonly resolve: (reached: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

export class PositionWaiters {
  private reached = 0;
  private waiters: Waiter[] = [];

  get position(): number {
    return this.reached;
  }

  /** How many waits are pending. */
  get pending(): number {
    return this.waiters.length;
  }

  /** Resolves true as soon as `position` is reached, false after `timeoutMs` or once `signal` aborts (the waiter is gone then). */
  wait(position: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.reached >= position) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const give = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        resolve(false);
      };
      const timer = setTimeout(give, timeoutMs);
      // A pending wait must not keep the process alive.
      timer.unref();
      signal?.addEventListener('abort', give, { once: true });
      this.waiters.push({ position, resolve, timer });
    });
  }

  /** Moves forward (never back) and releases the waiters now satisfied. */
  advance(position: number): void {
    if (position <= this.reached) return;
    this.reached = position;
    const reached = this.waiters.filter((waiter) => waiter.position <= position);
    this.waiters = this.waiters.filter((waiter) => waiter.position > position);
    for (const waiter of reached) {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  /** Starts again from `position` (a rebuild); pending waiters keep waiting. */
  reset(position = 0): void {
    this.reached = position;
  }
}
