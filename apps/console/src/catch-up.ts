// Keeps what a page shows up to the newest position announced (a live update, the agent's own
// command): one re-read at a time, again while newer positions arrive. A re-read that fails (the
// network gone, a 503 while the store is busy) is tried again with a growing pause until one
// succeeds, and meanwhile the page says what it shows is behind: never "Live" beside stale data.

const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

export class CatchUp {
  private wanted = 0;
  private shown = 0;
  /** A re-read is asked for whatever the positions say (a reconnection, a timer, a failure to retry). */
  private again = false;
  private running: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private pause = FIRST_PAUSE_MS;
  private disposed = false;

  constructor(
    /** Reads and draws the page at least at `position`; throws when it could not. */
    private readonly readAt: (position: number) => Promise<void>,
    /** Whether what is shown is known to be older than what was announced. */
    private readonly behind: (behind: boolean) => void,
  ) {}

  /** The newest position announced (resume a live stream from there). */
  get wantedPosition(): number {
    return this.wanted;
  }

  /** What is drawn is at least at `position` (an answer drawn outside a re-read). */
  shownAt(position: number): void {
    this.shown = Math.max(this.shown, position);
  }

  /**
   * Re-reads up to `position` (`always`: even when already shown, e.g. after a reconnection). Resolves
   * after this attempt, whether it succeeded or left a retry scheduled.
   */
  request(position: number, always = false): Promise<void> {
    this.wanted = Math.max(this.wanted, position);
    if (always) this.again = true;
    if (this.disposed || (!this.again && this.wanted <= this.shown)) return this.running ?? Promise.resolve();
    // Something new to read: try now rather than wait out a pause.
    clearTimeout(this.retry);
    this.retry = undefined;
    this.running ??= this.run();
    return this.running;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retry);
  }

  private async run(): Promise<void> {
    try {
      while (!this.disposed && (this.again || this.wanted > this.shown)) {
        this.again = false;
        const target = this.wanted;
        await this.readAt(target);
        this.shown = Math.max(this.shown, target);
      }
      this.pause = FIRST_PAUSE_MS;
      if (!this.disposed) this.behind(false);
    } catch {
      // A 401 already sent the agent to sign-in (and disposed of the page): nothing to retry then.
      if (this.disposed) return;
      this.behind(true);
      this.retry = setTimeout(() => { this.retry = undefined; void this.request(0, true); }, this.pause);
      this.pause = Math.min(this.pause * 2, LONGEST_PAUSE_MS);
    } finally {
      this.running = undefined;
    }
  }
}
