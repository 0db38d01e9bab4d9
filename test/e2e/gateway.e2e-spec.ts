// The split layout's one entry point (issue 15 item 2): deploy/gateway/nginx.conf, run by a real
// nginx in front of a command-api, a query-api and a projector (separate Nest applications on one
// SQLite data folder). Every kind of route answers through the gateway as the process that serves it
// would, although each API alone refuses the other side's routes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { suiteWithoutEngine } from '../support/missing-engine';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
const KEYS = { ingest: 'gw-ingest-key-0123456789', support: 'gw-support-key-0123456789', analyst: 'gw-analyst-key-0123456789' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

if (!NGINX) {
  suiteWithoutEngine('Gateway (nginx route map)', 'nginx is not installed', 'bash deploy/gateway/install-nginx.sh');
} else {
  describe('Gateway (nginx route map) in front of the split roles', () => {
    let dir: string;
    const apps: RunningChronicle[] = [];
    let commandApi: RunningChronicle;
    let queryApi: RunningChronicle;
    let nginx: ChildProcess | undefined;
    let gateway: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'chronicle-gateway-'));
      const env = (role: string) => ({
        DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', CHRONICLE_ROLE: role, READ_WAIT_TIMEOUT_MS: '20000',
        API_KEYS: Object.entries(KEYS).map(([r, key]) => `${r}=${key}`).join(','),
        LOYALTY_SWEEP_INTERVAL_MS: '0', SEGMENTS_SWEEP_INTERVAL_MS: '0',
      });
      mkdirSync(join(dir, 'data'));
      commandApi = await startChronicle(env('command-api'));
      apps.push(commandApi);
      queryApi = await startChronicle(env('query-api'));
      apps.push(queryApi);
      apps.push(await startChronicle(env('projector')));
      apps.push(await startChronicle(env('worker')));

      // The shipped route map, with the compose service names pointed at this test's processes.
      const port = await freePort();
      const site = readFileSync(join(__dirname, '..', '..', 'deploy', 'gateway', 'nginx.conf'), 'utf8')
        .replace('server command-api:3000;', `server ${new URL(commandApi.url).host};`)
        .replace('server query-api:3000;', `server ${new URL(queryApi.url).host};`)
        .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
      writeFileSync(join(dir, 'site.conf'), site);
      writeFileSync(join(dir, 'nginx.conf'), [
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        'daemon off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 256; }',
        `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; include ${join(dir, 'site.conf')}; }`,
      ].join('\n'));
      nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
      gateway = `http://127.0.0.1:${port}`;
      await eventually(async () => (await fetch(`${gateway}/gateway/health`)).ok);
    });

    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((resolve) => nginx?.once('exit', resolve));
        nginx.kill('SIGTERM');
        await exited;
      }
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
  });
}
