// The split layout's one entry point (issue 15 item 2): deploy/gateway/nginx.conf, run by a real
// nginx in front of a command-api, a query-api and a projector (separate Nest applications on one
// SQLite data folder). Every kind of route answers through the gateway as the process that serves it
// would, although each API alone refuses the other side's routes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { NGINX, startGateway, type Gateway } from '../support/gateway';
import { suiteWithoutEngine } from '../support/missing-engine';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = { ingest: 'gw-ingest-key-0123456789', support: 'gw-support-key-0123456789', analyst: 'gw-analyst-key-0123456789' };

if (!NGINX) {
  suiteWithoutEngine('Gateway (nginx route map)', 'nginx is not installed', 'bash deploy/gateway/install-nginx.sh');
} else {
  describe('Gateway (nginx route map) in front of the split roles', () => {
    let dir: string;
    const apps: RunningChronicle[] = [];
    let commandApi: RunningChronicle;
    let queryApi: RunningChronicle;
    let nginx: Gateway | undefined;
    let gateway: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'chronicle-gateway-'));
      const env = (role: string) => ({
        DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', CHRONICLE_ROLE: role, READ_WAIT_TIMEOUT_MS: '20000',
        API_KEYS: apiKeysSetting(KEYS),
        LOYALTY_SWEEP_INTERVAL_MS: '0', SEGMENTS_SWEEP_INTERVAL_MS: '0',
        // The gateway runs on the loopback here: its X-Forwarded-Proto is believed (docker-compose.yml: one hop).
        TRUST_PROXY: 'loopback',
      });
      mkdirSync(join(dir, 'data'));
      commandApi = await startChronicle(env('command-api'));
      apps.push(commandApi);
      queryApi = await startChronicle(env('query-api'));
      apps.push(queryApi);
      apps.push(await startChronicle(env('projector')));
      apps.push(await startChronicle(env('worker')));

      nginx = await startGateway(dir, { commandApi: commandApi.url, queryApi: queryApi.url });
      gateway = nginx.url;
    });

    afterAll(async () => {
      await nginx?.stop();
      for (const app of apps.reverse()) await app.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('routes commands to the command API and queries to the query API, on one origin', async () => {
      const ingest = new ApiClient(gateway, KEYS.ingest);
      const support = new ApiClient(gateway, KEYS.support);
      const analyst = new ApiClient(gateway, KEYS.analyst);
      const customerId = 'c-gateway';

      // Each side alone refuses the other side's routes: only the route map makes both work.
      // (405 where the path exists there for another method, 404 where it does not.)
      expect([404, 405]).toContain((await new ApiClient(queryApi.url, KEYS.ingest).post('/v1/customers', { customerId, profile: {} })).status);
      expect([404, 405]).toContain((await new ApiClient(commandApi.url, KEYS.support).get(`/v1/customers/${customerId}`)).status);

      const registered = await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Gate', lastName: 'Way', email: 'gate@example.test' } });
      expect(registered.status).toBe(201);
      const bought = await ingest.post('/v1/interactions/purchases', {
        customerId, orderId: 'o-gw-1', channel: 'web', currency: 'EUR', lines: [{ sku: 'T', name: 'Tea', category: 'tea', quantity: 2, unitPriceMinor: 450 }],
      });
      expect(bought.status).toBe(201);
      const view = await support.get(`/v1/customers/${customerId}?minPosition=${bought.body.position}`);
      expect(view.status).toBe(200);
      expect(view.body.lastPosition).toBeGreaterThanOrEqual(bought.body.position);
      expect((await support.get(`/v1/customers/${customerId}/timeline?limit=5`)).status).toBe(200);
      expect((await support.get(`/v1/customers?email=gate@`)).body.items?.map((c: { customerId: string }) => c.customerId) ?? []).toContain(customerId);

      // The worker's reactor earns the points; the query side shows them.
      await eventually(async () => (await support.get(`/v1/customers/${customerId}/loyalty`)).body?.balance > 0);

      // Segments: define (command), preview (a query with a body), list (query).
      const rule = { all: [{ purchases: { count: { gte: 1 }, withinDays: 3650 } }] };
      expect((await analyst.post('/v1/segments/preview', { rule })).status).toBe(200);
      expect((await analyst.post('/v1/segments', { segmentId: 'gw-buyers', name: 'Buyers', rule })).status).toBe(201);
      await eventually(async () => (await analyst.get('/v1/segments')).body.items?.some((s: { segmentId: string }) => s.segmentId === 'gw-buyers'));

      // The query API's own POST routes go there too (a refit writes the read store, not the log).
      expect((await analyst.raw('POST', '/v1/analytics/model/fit', undefined)).status).toBe(200);

      // A ticket from the console's main path: open (command), read (query).
      expect((await support.post('/v1/tickets', { customerId, ticketId: 't-gw', subject: 'Gateway', channel: 'email', priority: 'low' })).status).toBe(201);
      await eventually(async () => (await support.get(`/v1/tickets/t-gw`)).status === 200);

      // The console page comes from the query API, byte for byte.
      const direct = await fetch(`${queryApi.url}/console/`);
      const through = await fetch(`${gateway}/console/`);
      expect(through.status).toBe(direct.status);
      expect(await through.text()).toBe(await direct.text());
    });

    it('says how the client came in: a client cannot claim https through the gateway (the session cookie stays not Secure over plain HTTP)', async () => {
      const signIn = (url: string) => fetch(`${url}/v1/session`, { method: 'POST', headers: { Authorization: `Bearer ${KEYS.support}`, 'X-Forwarded-Proto': 'https' } });
      const cookieOf = (answer: Response) => answer.headers.getSetCookie().find((cookie) => cookie.startsWith('chronicle_session=')) as string;
      // Straight to the API from the loopback (where the gateway runs), the header is believed...
      const direct = await signIn(commandApi.url);
      expect(direct.status).toBe(201);
      expect(cookieOf(direct)).toMatch(/; Secure/);
      // ...but through the gateway it is the gateway's own: it came over plain HTTP.
      const through = await signIn(gateway);
      expect(through.status).toBe(201);
      expect(cookieOf(through)).not.toMatch(/; Secure/);
    });

    it('documents the whole API at /docs/openapi.json: each side alone documents only its own routes', async () => {
      const documentAt = async (url: string) => {
        const answer = await fetch(`${url}/docs/openapi.json`);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        return (await answer.json()) as { paths: Record<string, Record<string, unknown>> };
      };
      const operations = (document: { paths: Record<string, Record<string, unknown>> }) =>
        Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).filter((method) => method !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`)).sort();
      const whole = operations(await documentAt(gateway));
      const commands = operations(await documentAt(commandApi.url));
      const queries = operations(await documentAt(queryApi.url));
      expect(whole).toEqual(expect.arrayContaining(['POST /v1/customers', 'GET /v1/customers/{customerId}', 'POST /v1/tickets', 'GET /v1/tickets/{ticketId}']));
      expect(commands).not.toContain('GET /v1/customers/{customerId}');
      expect(queries).not.toContain('POST /v1/customers');
      // Everything either side serves is in the gateway's document.
      expect(whole).toEqual(expect.arrayContaining([...commands, ...queries]));
    });
  });
}
