// The signed-in agent: the API key lives in sessionStorage (gone when the tab closes, never in a URL).

const KEY = 'chronicle.console.apiKey';
const AGENT = 'chronicle.console.agentId';

export interface Session {
  readonly apiKey: string;
  /** Recorded as the author of notes and replies and the agent of calls. */
  readonly agentId: string;
}

export function loadSession(): Session | null {
  const apiKey = sessionStorage.getItem(KEY);
  return apiKey ? { apiKey, agentId: sessionStorage.getItem(AGENT) ?? 'console' } : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.apiKey);
  sessionStorage.setItem(AGENT, session.agentId);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(AGENT);
}
