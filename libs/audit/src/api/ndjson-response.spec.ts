// streamNdjson on a real Fastify server: the stream goes out on the Node response with the headers
// already on the reply, a failure before the first byte is still the framework's error answer, and
// one after it cuts the connection.
import Fastify, { type FastifyInstance } from 'fastify';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamNdjson } from './ndjson-response';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The connection was cut before the response ended. */
  readonly cut: boolean;
}

/** The pages; the read of page `failAt` fails, once `before` resolves (the client has the pages before it). */
async function* pages(values: readonly (readonly number[])[], failAt?: number, before?: Promise<void>): AsyncGenerator<readonly number[]> {
  for (const [index, page] of values.entries()) {
    if (index === failAt) {
      await before;
      throw new Error('the store went away');
    }
    yield page;
  }
}

describe('streamNdjson', () => {
  let app: FastifyInstance;
  let base: string;
  // Resolved when the client of /fails-later receives its first bytes: the failure waits for it, not for time.
  let firstBytes!: () => void;
  let received!: Promise<void>;
  beforeAll(async () => {
    app = Fastify();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('Cache-Control', 'private');
      reply.header('X-Request-Id', 'r-1');
      done();
    });
    app.get('/ok', (_request, reply) => streamNdjson(reply, pages([[1, 2], [3]])));
    app.get('/fails-first', (_request, reply) => streamNdjson(reply, pages([[1]], 0)));
    app.get('/fails-later', (_request, reply) => streamNdjson(reply, pages([[1], [2]], 1, received)));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const get = (path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      httpRequest(`${base}${path}`, (response) => {
        let body = '';
        let cut = false;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
          if (path === '/fails-later') firstBytes();
        });
        response.on('aborted', () => (cut = true));
        response.on('error', () => (cut = true));
        response.on('close', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, cut: cut || !response.complete }));
      })
        .on('error', reject)
        .end();
    });

  it('streams one JSON value a line, with the reply\'s headers and its own', async () => {
    const answer = await get('/ok');
    expect(answer).toMatchObject({ status: 200, body: '1\n2\n3\n', cut: false });
    expect(answer.headers).toMatchObject({
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': 'r-1',
    });
  });

  it('leaves a failure before the first byte to the framework\'s error answer', async () => {
    const answer = await get('/fails-first');
    expect(answer.status).toBe(500);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.cut).toBe(false);
  });

  it('cuts the connection on a failure after the first byte', async () => {
    received = new Promise<void>((resolve) => (firstBytes = resolve));
    const answer = await get('/fails-later');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('1\n');
    expect(answer.cut).toBe(true);
  });

});
