// The console's only way to the platform: JSON over fetch on the agent's browser session (an HttpOnly
// cookie the page never sees), with the session's CSRF token on every change, and failures as
// ApiError. A 401 means the session ended: the page goes back to sign-in.
import { ApiError, toProblemDocument } from './api-problem';

/** What every command answers; `position` feeds the next query's `minPosition`. */
export interface CommandOutcome {
  readonly streamId: string;
  readonly eventIds: readonly string[];
  readonly revision: number;
  readonly position: number;
  readonly replayed: boolean;
  readonly changed: boolean;
}

export type QueryParams = Readonly<Record<string, string | number | undefined>>;

export interface SessionPort {
  /** The token GET /v1/me gave this tab for its session; sent as X-CSRF-Token on every change. */
  csrfToken(): string | undefined;
  /** Called once per 401: the session is over (signed out elsewhere, expired, key revoked). */
  ended(message: string): void;
}

/** How long after the agent's last key, click, touch or scroll a request still counts as theirs. */
const AGENT_QUIET_MS = 60_000;
/**
 * While the agent works without the page sending anything (a reply typed for minutes), their input
 * renews the session at most this often: a quarter of the shortest idle time the server allows
 * (SESSION_IDLE_MINUTES=1), and the server itself renews at most once per tenth of the idle time.
 */
const RENEW_WHILE_WORKING_MS = 15_000;
let lastInput = Date.now();
/** When the page last sent a request of the agent's (each one renews the session). */
let lastAgentRequest = Date.now();
let renewal: ReturnType<typeof setTimeout> | undefined;

/**
 * Follows the agent's input on the page: a request long after it (the queue re-read every minute, a
 * page following live updates) is sent as the page's own (X-Chronicle-Background), which does not
 * renew the session's idle timer, so an unattended console signs out after SESSION_IDLE_MINUTES. The
 * input itself is activity: `renew` (a cheap request of the agent's) is called when no request of
 * theirs went out for RENEW_WHILE_WORKING_MS, and once more at the end of that time after input
 * within it, so typing alone keeps the session.
 */
export function followAgentInput(target: EventTarget, renew: () => void): void {
  const renewSoon = () => {
    // Input already followed by a request of the agent's has renewed the session.
    if (lastInput <= lastAgentRequest) return;
    const wait = lastAgentRequest + RENEW_WHILE_WORKING_MS - Date.now();
    if (wait > 0) {
      renewal ??= setTimeout(() => { renewal = undefined; renewSoon(); }, wait);
      return;
    }
    clearTimeout(renewal);
    renewal = undefined;
    lastAgentRequest = Date.now();
    renew();
  };
  for (const type of ['keydown', 'input', 'pointerdown', 'wheel', 'touchstart']) {
    target.addEventListener(type, () => { lastInput = Date.now(); renewSoon(); }, { capture: true, passive: true });
  }
}

export interface SendOptions {
  /** One per draft, kept across retries: a retry after a lost answer is recognised, not recorded twice. */
  readonly idempotencyKey?: string;
}

export class ChronicleApi {
  constructor(
    private readonly session: SessionPort,
    private readonly base = '/v1',
  ) {}

  get<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path + queryString(params), undefined, signal);
  }

  /**
   * Like get, but null where a capability does not answer usefully (not deployed, not for this
   * key's role, or failing): the page shows "not available" there instead of failing as a whole.
   * An ended session still throws, so the agent is sent back to sign-in.
   */
  async getIfAvailable<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T | null> {
    try {
      return await this.get<T>(path, params, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401 && error.status !== 0) return null;
      throw error;
    }
  }

  post<T = CommandOutcome>(path: string, body: unknown, options: SendOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, undefined, options);
  }

  patch<T = CommandOutcome>(path: string, body: unknown, options: SendOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, body, undefined, options);
  }

  /** Opens a long-lived response (server-sent events) on the same session, resuming after `lastEventId`. */
  async openStream(path: string, signal: AbortSignal, lastEventId?: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetch('GET', path, undefined, signal, 'text/event-stream', lastEventId ? { 'Last-Event-ID': lastEventId } : {});
    if (!response.ok || !response.body) throw this.failure(response.status, await readBody(response));
    return response.body;
  }

  private async request<T>(method: string, path: string, body: unknown, signal?: AbortSignal, options: SendOptions = {}): Promise<T> {
    const headers: Record<string, string> = options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {};
    const response = await this.fetch(method, path, body, signal, 'application/json', headers);
    const parsed = await readBody(response);
    if (!response.ok) throw this.failure(response.status, parsed);
    return parsed as T;
  }

  private failure(status: number, body: unknown): ApiError {
    const error = new ApiError(toProblemDocument(status, body));
    if (status === 401) this.session.ended(error.message);
    return error;
  }

  private async fetch(method: string, path: string, body: unknown, signal: AbortSignal | undefined, accept: string, extra: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept, ...extra };
    if (Date.now() - lastInput > AGENT_QUIET_MS) headers['X-Chronicle-Background'] = '1';
    else lastAgentRequest = Date.now();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const csrf = this.session.csrfToken();
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    try {
      return await fetch(this.base + path, {
        method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store', credentials: 'same-origin', ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError({ status: 0 });
    }
  }
}

function queryString(params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A fresh random id: drafts, idempotency keys. */
export function newId(prefix: string): string {
  const random = typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}-${random}`;
}
