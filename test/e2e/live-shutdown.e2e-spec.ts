// A deploy must not wait on the agents' open console tabs: SIGTERM to a real server process with live
// streams open ends those streams (the console reconnects elsewhere with Last-Event-ID) and the
// process exits. Before the fix it stopped accepting and then waited until every tab was closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client';
import { startServer, type ChronicleProcess } from '../support/chronicle-process';
import { openSse, type SseConnection } from '../support/sse-client';

jest.setTimeout(120_000);

const KEYS = { ingest: 'shutdown-ingest-key-0123456789', support: 'shutdown-support-key-0123456789' };

describe('SIGTERM with live streams open', () => {
  let dataDir: string;
  let server: (ChronicleProcess & { url: string }) | undefined;
  const streams: SseConnection[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-shutdown-'));
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends every stream and exits', async () => {
    server = await startServer('apps/chronicle/src/main.ts', {
      DATA_DIR: dataDir,
      API_KEYS: `ingest=${KEYS.ingest},support=${KEYS.support}`,
    });
    const registered = await new ApiClient(server.url, KEYS.ingest).post('/v1/customers', { customerId: 'c-1', profile: { firstName: 'Ada' } });
    expect(registered.status).toBe(201);
    await new ApiClient(server.url, KEYS.support).get(`/v1/customers/c-1?minPosition=${registered.body.position}`);
    const auth = { Authorization: `Bearer ${KEYS.support}` };
    streams.push(await openSse(`${server.url}/v1/customers/c-1/live`, auth), await openSse(`${server.url}/v1/live/tickets`, auth));
    for (const stream of streams) expect(stream.status).toBe(200);

    server.child.kill('SIGTERM');
    // The server ended each response itself (a clean end of stream, not a reset), and the process is gone.
    await expect(Promise.all(streams.map((stream) => stream.ended))).resolves.toEqual(['end', 'end']);
    expect([0, 'SIGTERM']).toContain(await server.exited);
  });
});
