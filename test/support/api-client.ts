// A small HTTP client for end-to-end tests: real requests over the loopback, JSON in and out.
//
// Reads see the writes made before them (session consistency, as a console gives its user): the
// clients of one server share the highest `position` any command answered, and a GET made after it
// first waits until the server's projector checkpoint (/health/ready) has reached it. Chronicle's
// read models are eventually consistent (DESIGN.md: commands answer a position, queries take
// `minPosition`); with the projector in its own thread a command's answer can come before its
// projection, and a test that reads right after a command without waiting raced it (found twice by
// CI: the segments e2e and openapi-regressions). The wait is skipped when this server runs a
// projector that is not running (a test that stopped it reads the stale models on purpose) and is
// bounded; `{ readYourWrites: false }` turns it off for one client.
import { eventually } from './eventually';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

export interface ApiClientOptions {
  /** Wait before a GET until the projector has reached every position a command answered (default true). */
  readonly readYourWrites?: boolean;
  /** Longest wait for the projector before a GET, in ms (then the GET is made anyway). */
  readonly waitMs?: number;
}

interface Session {
  /** Highest position a command on this server answered. */
  written: number;
  /** Highest projector checkpoint seen on this server. */
  projected: number;
}

const sessions = new Map<string, Session>();

export class ApiClient {
  private readonly session: Session;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
    private readonly options: ApiClientOptions = {},
  ) {
    const known = sessions.get(baseUrl);
    this.session = known ?? { written: 0, projected: 0 };
    if (!known) sessions.set(baseUrl, this.session);
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
    if (this.options.readYourWrites !== false && !path.startsWith('/health') && this.session.written > this.session.projected) await this.awaitProjector();
    return this.raw('GET', path, undefined, headers);
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return this.raw('POST', path, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });
  }

  patch(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return this.raw('PATCH', path, JSON.stringify(body), { 'Content-Type': 'application/json', ...headers });
  }

  async raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { ...(this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}), ...headers },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const answer = { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: parsed };
    if (method !== 'GET' && answer.status < 300) this.remember(parsed);
    return answer;
  }

  /** Remembers the position a command answered (a batch: each item's). */
  private remember(body: unknown): void {
    const answer = body as { position?: unknown; results?: unknown } | undefined;
    const items = Array.isArray(answer?.results) ? (answer.results as { position?: unknown; outcome?: { position?: unknown } }[]) : [];
    for (const position of [answer?.position, ...items.map((item) => item?.position ?? item?.outcome?.position)]) {
      if (typeof position === 'number' && position > this.session.written) this.session.written = position;
    }
  }

  /** Waits (bounded) until the projector checkpoint reported by /health/ready reaches what was written. */
  private async awaitProjector(): Promise<void> {
    const target = this.session.written;
    await eventually(async () => {
      const ready = await fetch(`${this.baseUrl}/health/ready`).then((response) => response.json() as Promise<ReadinessReport>, () => undefined);
      const details = ready?.details ?? ready?.error ?? ready?.info;
      const checkpoint = details?.readStore?.projectorCheckpoint;
      if (typeof checkpoint !== 'number') return; // no read store in this process: nothing to wait on here
      this.session.projected = Math.max(this.session.projected, checkpoint);
      const projectors = Object.entries(details?.pipelines ?? {}).filter(([name, status]) => name.endsWith('projector') && typeof status === 'object');
      if (projectors.some(([, status]) => (status as { state?: string }).state !== 'running')) return; // stopped on purpose: read what is there
      if (checkpoint < target) throw new Error(`projector at ${checkpoint}, writes up to ${target}`);
    }, this.options.waitMs ?? 10_000).catch(() => undefined); // not there in time: read anyway, the test's own assertion says what is missing
  }
}

interface ReadinessDetails {
  readonly readStore?: { readonly projectorCheckpoint?: unknown };
  readonly pipelines?: Record<string, unknown>;
}

interface ReadinessReport {
  readonly details?: ReadinessDetails;
  readonly error?: ReadinessDetails;
  readonly info?: ReadinessDetails;
}
