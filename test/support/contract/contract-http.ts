// One HTTP exchange of the contract tests: any method with any body, and an endless answer (server-sent
// events) read only up to its headers.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The media type without parameters (`application/json`), or undefined without a body. */
  readonly mediaType: string | undefined;
  readonly text: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: unknown;
}

export function exchange(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Exchange> {
  const url = new URL(path, baseUrl);
  return new Promise<Exchange>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent: false,
        headers: { ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}), ...headers },
      },
      (response) => {
        const mediaType = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        if (mediaType === 'text/event-stream') {
          // An endless stream: its status and headers are the answer.
          resolve({ status: response.statusCode ?? 0, headers: response.headers, mediaType, text: '' });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          const isJson = mediaType === 'application/json' || (mediaType?.endsWith('+json') ?? false);
          if (isJson) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, mediaType: text.length > 0 || mediaType ? mediaType : undefined, text, ...(isJson ? { json } : {}) });
        });
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
