// A small HTTP client for end-to-end tests: real requests over the loopback, JSON in and out.
export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
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
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: parsed };
  }
}
