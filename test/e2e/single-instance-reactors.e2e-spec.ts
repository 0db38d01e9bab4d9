// The split layout's background work on one SQLite data folder: a command-api process takes the
// commands and runs no reactor; two worker processes can each run the loyalty reactor, and the lease
// lets exactly one run it (the other waits in standby, visible in /health/ready). Every order earns
// points exactly once, and when the holder is killed (kill -9) the other takes over after the lease
// expires and goes on where the checkpoint says. No process says a reactor or sweep is off.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { buildApps, removeBuiltApps, startServer, type ChronicleProcess } from '../support/chronicle-process';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(240_000);

const KEYS = { ingest: 'test-ingest-key-0123456789', admin: 'test-admin-key-0123456789' };
const CUSTOMERS = 12;

type Server = ChronicleProcess & { url: string };

async function loyaltyReactorState(server: Server): Promise<{ state: string; leaseHeld: boolean }> {
  const ready = await new ApiClient(server.url).get('/health/ready');
  const pipeline = ready.body.details.pipelines['loyalty-reactor'];
  return { state: pipeline.state, leaseHeld: pipeline.leaseHeld };
}

describe('Single-instance reactors across processes (a command-api and two worker processes, one SQLite data folder)', () => {
  let dataDir: string;
  const servers: Server[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-two-commands-'));
    // Three process starts: compiled once, each starts in about a second instead of a ts-node compile.
    buildApps();
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill('SIGKILL')));
    rmSync(dataDir, { recursive: true, force: true });
    removeBuiltApps();
  });

  it('runs the loyalty reactor in one process only, earns every order once, and fails over when the holder dies', async () => {
    const env = {
      DATA_DIR: dataDir,
      API_KEYS: apiKeysSetting(KEYS),
      LEASE_TTL_MS: '1500',
      // Start-up lines say what runs where.
      LOG_LEVEL: 'info',
    };
    // One after the other: each start compiles the sources (ts-node), and the cores are shared.
    const api = await startServer('apps/command-api/src/main.ts', env);
    servers.push(api);
    const a = await startServer('apps/worker/src/main.ts', env);
    servers.push(a);
    const b = await startServer('apps/worker/src/main.ts', env);
    servers.push(b);
    const clients = [new ApiClient(api.url, KEYS.ingest), new ApiClient(api.url, KEYS.ingest)];
    // The command API runs no background work at all; the workers run every reactor and sweep.
    const apiPipelines = Object.keys((await new ApiClient(api.url).get('/health/ready')).body.details.pipelines);
    expect(apiPipelines.filter((name) => /reactor|sweep/.test(name))).toEqual([]);
    for (const worker of [a, b]) {
      await worker.waitForLine(/Loyalty: reactor running, expiry sweep every/);
      await worker.waitForLine(/Segments: reactor running, sweep every/);
    }
    expect([api, a, b].flatMap((server) => server.lines).filter((line) => /reactor off|sweep off/.test(line))).toEqual([]);

    const states = await eventually(async () => {
      const both = await Promise.all([loyaltyReactorState(a), loyaltyReactorState(b)]);
      expect(both.map((s) => s.state).sort()).toEqual(['running', 'standby']);
      return both;
    });
    expect(states.map((s) => s.leaseHeld).sort()).toEqual([false, true]);
    const holder = states[0]?.leaseHeld ? a : b;
    const survivor = holder === a ? b : a;

    const orders: { customerId: string; orderId: string }[] = [];
    const purchase = async (client: ApiClient, customerId: string, orderId: string): Promise<void> => {
      const response = await client.post('/v1/interactions/purchases', {
        customerId, orderId, channel: 'web', currency: 'EUR', lines: [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor: 2500 }],
      });
      expect(response.status).toBe(201);
      orders.push({ customerId, orderId });
    };
    // Commands go through the API while both workers follow the same event-store file.
    await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const customerId = `c-${i}`;
        const client = clients[i % 2] as ApiClient;
        expect((await client.post('/v1/customers', { customerId, profile: { firstName: 'A', lastName: `B${i}` } })).status).toBe(201);
        await purchase(clients[0] as ApiClient, customerId, `o-${i}-a`);
        await purchase(clients[1] as ApiClient, customerId, `o-${i}-b`);
      }),
    );

    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const earnedOrders = async (): Promise<string[]> => {
        const earned: string[] = [];
        for (let i = 0; i < CUSTOMERS; i++) {
          for (const event of await events.readStream(`loyalty-c-${i}`)) {
            if (event.type === 'PointsEarned') earned.push((event.data as { orderId: string }).orderId);
          }
        }
        return earned.sort();
      };
      await eventually(async () => expect(await earnedOrders()).toEqual(orders.map((o) => o.orderId).sort()), 60_000);

      // The holder dies without giving the lease back: the survivor takes over once it expires.
      expect(await holder.kill('SIGKILL')).toBe('SIGKILL');
      await eventually(async () => expect(await loyaltyReactorState(survivor)).toEqual({ state: 'running', leaseHeld: true }), 30_000);
      for (let i = 0; i < CUSTOMERS; i++) await purchase(clients[i % 2] as ApiClient, `c-${i}`, `o-${i}-after`);
      await eventually(async () => expect(await earnedOrders()).toEqual(orders.map((o) => o.orderId).sort()), 60_000);
    } finally {
      await events.close();
    }
  });
});
