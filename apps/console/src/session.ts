// The signed-in agent. Signing in trades the agent's API key for a browser session: an HttpOnly
// cookie the page cannot read, shared by every tab and gone when the browser closes, so no key is
// kept where scripts could read it. GET /v1/me says who the session is (the key's id and name, as
// every event records the actor) and gives the tab its CSRF token. Tabs tell each other when the
// agent signs in or out, so none keeps showing a customer after sign-out.
import { ApiError, toProblemDocument } from './api-problem';
import { readBody } from './api-client';

export interface Identity {
  /** The API key's id: the actor id of everything this agent records, and what tickets are assigned to. */
  readonly id: string;
  /** The key's label: the agent's name. */
  readonly name: string;
  readonly roles: readonly string[];
  readonly via: 'apiKey' | 'session';
  readonly session?: { readonly expiresAt: string; readonly idleExpiresAt: string; readonly csrfToken: string };
}

const ROLES_THAT_WORK_TICKETS = ['support', 'admin'];

async function call(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`/v1${path}`, { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError({ status: 0 });
  }
  return { status: response.status, body: await readBody(response) };
}

/** Who this browser is signed in as, or null without a live session. */
export async function currentIdentity(): Promise<Identity | null> {
  const { status, body } = await call('GET', '/me');
  if (status === 401) return null;
  if (status !== 200) throw new ApiError(toProblemDocument(status, body));
  const identity = body as Identity;
  // A key sent by something else (a proxy adding Authorization) is not this browser's session.
  return identity.via === 'session' ? identity : null;
}

/** Opens the browser session with the agent's key; the key is sent once and kept nowhere. */
export async function signIn(apiKey: string): Promise<Identity> {
  const { status, body } = await call('POST', '/session', { Authorization: `Bearer ${apiKey}` });
  if (status !== 201) throw new ApiError(toProblemDocument(status, body));
  const identity = body as Identity;
  if (!identity.roles.some((role) => ROLES_THAT_WORK_TICKETS.includes(role))) throw new ApiError({ status: 403 });
  return identity;
}

/** Ends the session on the server and clears the cookie; the page forgets everything it showed. */
export async function signOut(identity: Identity | null): Promise<void> {
  const csrf = identity?.session?.csrfToken;
  await call('DELETE', '/session', csrf ? { 'X-CSRF-Token': csrf } : {}).catch(() => undefined);
}

type TabMessage = 'signed-in' | 'signed-out';
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('chronicle-console') : undefined;

export function tellOtherTabs(message: TabMessage): void {
  channel?.postMessage(message);
}

export function onOtherTab(listener: (message: TabMessage) => void): void {
  channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => listener(event.data));
}
