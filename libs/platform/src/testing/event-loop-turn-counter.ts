// For specs: counts turns of the event loop (a callback queued with setImmediate runs only between
// them), so a spec can tell work done in one synchronous go from work that let I/O through.
export class EventLoopTurnCounter {
  private count = 0;
  private counting = true;

  constructor() {
    const tick = (): void => {
      this.count += 1;
      if (this.counting) setImmediate(tick);
    };
    setImmediate(tick);
  }

  get turns(): number {
    return this.count;
  }

  stop(): void {
    this.counting = false;
  }
}
