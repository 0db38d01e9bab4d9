// HTTP requests with full control over what is sent (any method with a body, any header, bytes that
// are not JSON, a body announced but held back), for the tests of the HTTP edge. fetch cannot do
// these: it refuses a GET with a body and sets Content-Length itself.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** An array sends the header once per value (a header sent twice). */
  readonly headers?: Record<string, string | number | readonly string[]>;
  /** Sent whole. */
  readonly body?: string | Buffer;
  /**
   * Send the headers only and wait for the answer without sending any of the body the headers
   * announce: an answer proves the server decided without reading it.
   */
  readonly holdBody?: boolean;
}

export function send(baseUrl: string, options: RawRequest): Promise<RawResponse> {
  const url = new URL(options.path, baseUrl);
  return new Promise<RawResponse>((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method, agent: false,
        // Node sends a GET's or DELETE's body without framing unless told its length.
        headers: { ...(options.body !== undefined ? { 'Content-Length': Buffer.byteLength(options.body) } : {}), ...(options.headers ?? {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          answered = true;
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
          req.destroy();
        });
      },
    );
    // A server that answered before the body arrived may close the connection under a held body;
    // closing without any answer is a failure.
    req.on('error', (error) => (options.holdBody ? undefined : reject(error)));
    req.on('close', () => (answered ? undefined : reject(new Error(`${options.method} ${options.path}: the connection closed without an answer`))));
    if (options.holdBody) {
      req.flushHeaders();
    } else {
      req.end(options.body);
    }
  });
}
