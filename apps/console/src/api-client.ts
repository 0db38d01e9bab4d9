// The console's only way to the platform: JSON over fetch with the agent's key as a bearer token
// (never in a URL), answers typed by the caller, failures as ApiError.
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


export class ChronicleApi {
  constructor(
    private readonly apiKey: string,
    private readonly base = '/v1',
  ) {}

  get<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path + queryString(params), undefined, signal);
  }

  /**
   * Like get, but null where a capability does not answer usefully (not deployed, not for this
   * key's role, or failing): the page shows "not available" there instead of failing as a whole.
   * An unknown key still throws, so the agent is sent back to sign-in.
   */
  async getIfAvailable<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T | null> {
    try {
      return await this.get<T>(path, params, signal);
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401 && error.status !== 0) return null;
      throw error;
    }
  }

  post<T = CommandOutcome>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Opens a long-lived response (server-sent events) with the same credentials. */
  async openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.fetch('GET', path, undefined, signal, 'text/event-stream');
    if (!response.ok || !response.body) throw new ApiError(toProblemDocument(response.status, await readBody(response)));
    return response.body;
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(method, path, body, signal, 'application/json');
    const parsed = await readBody(response);
    if (!response.ok) throw new ApiError(toProblemDocument(response.status, parsed));
    return parsed as T;
  }

  private async fetch(method: string, path: string, body: unknown, signal: AbortSignal | undefined, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}`, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(this.base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store', ...(signal ? { signal } : {}) });
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

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
