// What the page says about its live updates: an agent must know when what they see may be stale.
import type { LiveState } from './live-updates';

const WORDS: Readonly<Record<LiveState, string>> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: changes appear as they happen.',
  reconnecting: 'Not live: the connection dropped, reconnecting. What happens meanwhile appears once it is back.',
  stopped: 'Not live: live updates stopped. Reload the page to see changes.',
};

export function describeLive(state: LiveState, reason?: string): string {
  return reason ? `${WORDS[state]} ${reason}` : WORDS[state];
}
