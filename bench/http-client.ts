// A keep-alive HTTP client with a bounded connection pool, so load generators queue requests
// instead of opening thousands of sockets.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- benchmark reads arbitrary JSON
  readonly json: any;
}

/**
 * One request; retried once when a pooled keep-alive socket was closed by the server while idle
 * (its keep-alive timeout), which is safe here because every command the benchmarks send is idempotent.
 */
export async function http(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<HttpResult> {
  try {
    return await once(method, url, headers, body);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ECONNRESET' && !String((error as Error).message).includes('socket hang up')) throw error;
    return once(method, url, headers, body);
  }
}

function once(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent, headers: payload ? { ...headers, 'Content-Length': Buffer.byteLength(payload) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
