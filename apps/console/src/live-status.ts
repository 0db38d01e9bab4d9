// What the page says about its live updates: an agent must know when what they see may be stale.
import type { LiveState } from './live-updates';
import { h } from './element';

const WORDS: Readonly<Record<LiveState, string>> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: changes appear as they happen.',
  reconnecting: 'Not live: the connection dropped, reconnecting. What happens meanwhile appears once it is back.',
  stopped: 'Not live: live updates stopped. Reload the page to see changes.',
};

const BEHIND = 'Not up to date: the latest changes could not be read. Trying again…';

export function describeLive(state: LiveState, reason?: string): string {
  return reason ? `${WORDS[state]} ${reason}` : WORDS[state];
}

/** The page's status line: the live stream's state, unless what is shown is known to be behind it. */
export class LiveStatus {
  readonly element = h('p', { class: 'live-status', role: 'status', 'aria-live': 'polite' });
  private state: LiveState = 'connecting';
  private reason: string | undefined;
  private behind = false;

  show(state: LiveState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.draw();
  }

  /** A re-read failed (true) and is being retried, or succeeded (false). */
  setBehind(behind: boolean): void {
    this.behind = behind;
    this.draw();
  }

  private draw(): void {
    // Not live says more than behind (it is behind too, and says why); live but behind must not say "Live".
    const behind = this.behind && this.state === 'live';
    this.element.textContent = behind ? BEHIND : describeLive(this.state, this.reason);
    this.element.dataset.state = behind ? 'behind' : this.state;
  }
}
