// The one table of who may call what is the @Roles of the code. This suite holds everything else to it:
// the served OpenAPI document documents every route the application has (roles, answers with schemas,
// refusals; openApiGaps), the README's route table is what `npm run docs:api` makes of the code, the
// generated answer schemas are current, and every route refuses and admits exactly the callers its
// @Roles say (the role matrix: every route × no key, an unknown key, each role, each key scheme, and
// a console session of a support and an admin key, whose writes also need the CSRF token).
// Routes are read from the running application, so a route added anywhere is covered without an edit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { generateApiTypeSchemas, GENERATED_FILE, renderGeneratedFile } from '@app/composition/openapi/generate-api-type-schemas';
import { GATEWAY_DOCUMENT, README, renderGatewayDocument } from '@app/composition/openapi/write-routes-table';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { apiRoutes, mayCall, openApiGaps, renderRoutesTable, ROLES, withRoutesTable, type ApiRoute } from '@app/platform';
import { exchange } from '../support/contract/contract-http';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(300_000);

const KEYS = Object.fromEntries(ROLES.map((role) => [role, `matrix-${role}-key-0123456789`])) as Record<(typeof ROLES)[number], string>;
const UNKNOWN_KEY = 'chr_matrix_unknown_0123456789abcdef';

describe('The API described from the code', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let document: OpenAPIObject;
  let routes: ApiRoute[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-apidoc-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: apiKeysSetting(KEYS),
    });
    document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as OpenAPIObject;
    routes = apiRoutes(chronicle.app);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('documents every route: roles, success answers with schemas, refusals, no dangling reference', () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(openApiGaps(document, routes)).toEqual([]);
  });

  it('declares both key schemes, the bearer one as an opaque token, and the console session cookie', () => {
    expect(document.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'chronicle_session' }),
    });
    expect(document.components?.securitySchemes?.bearer).not.toHaveProperty('bearerFormat');
  });

  it('documents the text answers with their media types: CSV, NDJSON beside JSON, server-sent events', () => {
    const mediaTypes = (path: string) => Object.keys((document.paths[path]?.get?.responses['200'] as { content: object }).content).sort();
    expect(mediaTypes('/v1/analytics/customers.csv')).toEqual(['text/csv']);
    expect(mediaTypes('/v1/audit/log')).toEqual(['application/json', 'application/x-ndjson']);
    expect(mediaTypes('/v1/audit/streams/{streamId}')).toEqual(['application/json', 'application/x-ndjson']);
    expect(mediaTypes('/v1/customers/{customerId}/live')).toEqual(['text/event-stream']);
    expect(mediaTypes('/v1/live/tickets')).toEqual(['text/event-stream']);
  });

  it('has the README route table the code gives (`npm run docs:api` rewrites it)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withRoutesTable(readme, renderRoutesTable(routes, document)));
  });

  it('gives the split layout\'s gateway this whole document (deploy/gateway/openapi.json; `npm run docs:api` rewrites it)', () => {
    expect(readFileSync(GATEWAY_DOCUMENT, 'utf8')).toBe(renderGatewayDocument(document));
  });

  it('serves answer schemas generated from the current answer types (`npm run docs:api` regenerates them)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderGeneratedFile(generateApiTypeSchemas()));
  });

  it('admits and refuses every caller on every route as its @Roles say, with either key scheme, storing nothing', async () => {
    const store = chronicle.app.get<EventStore>(EVENT_STORE, { strict: false });
    const head = await store.headPosition();
    const problems: string[] = [];
    for (const route of routes) {
      // Ids nothing has: an admitted caller gets its 2xx, 400 (no body) or 404, never a change.
      const path = route.path.replace(/\{streamId\}/g, 'customer-c-matrix-none').replace(/\{[^}]+\}/g, 'c-matrix-none');
      const callers: [string, Record<string, string>, 'admitted' | 'forbidden' | 'unauthenticated'][] = [
        ['no key', {}, route.access === 'public' ? 'admitted' : 'unauthenticated'],
        ['an unknown key', { Authorization: `Bearer ${UNKNOWN_KEY}` }, route.access === 'public' ? 'admitted' : 'unauthenticated'],
        ...ROLES.flatMap((role): [string, Record<string, string>, 'admitted' | 'forbidden'][] => [
          [`${role} (bearer)`, { Authorization: `Bearer ${KEYS[role]}` }, mayCall(route, role) ? 'admitted' : 'forbidden'],
          [`${role} (X-API-Key)`, { 'X-API-Key': KEYS[role] }, mayCall(route, role) ? 'admitted' : 'forbidden'],
        ]),
      ];
      for (const [caller, headers, expected] of callers) {
        const answer = await exchange(chronicle.url, route.method, path, headers);
        const got = answer.status === 401 ? 'unauthenticated' : answer.status === 403 ? 'forbidden' : 'admitted';
        if (got !== expected || answer.status >= 500) problems.push(`${route.method} ${route.path} as ${caller}: ${answer.status}, expected ${expected}`);
        if (answer.status === 401 && !String(answer.headers['www-authenticate']).startsWith('Bearer')) problems.push(`${route.method} ${route.path} as ${caller}: 401 without WWW-Authenticate: Bearer`);
        if ((answer.status === 401 || answer.status === 403) && answer.mediaType !== 'application/problem+json') problems.push(`${route.method} ${route.path} as ${caller}: ${answer.status} as ${answer.mediaType}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await store.headPosition()).toBe(head);
  });

  it('admits a console session on every route as its key\'s @Roles say, and refuses its writes without the CSRF token', async () => {
    const store = chronicle.app.get<EventStore>(EVENT_STORE, { strict: false });
    const head = await store.headPosition();
    const problems: string[] = [];
    // Only support (and admin) keys may open a console session.
    for (const role of ['support', 'admin'] as const) {
      for (const route of routes.filter((r) => r.access !== 'public')) {
        const path = route.path.replace(/\{streamId\}/g, 'customer-c-matrix-none').replace(/\{[^}]+\}/g, 'c-matrix-none');
        // A fresh session per route: DELETE /v1/session ends the one it is sent with.
        const signIn = await exchange(chronicle.url, 'POST', '/v1/session', { Authorization: `Bearer ${KEYS[role]}` });
        const cookie = String(signIn.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
        const csrfToken = (signIn.json as { session?: { csrfToken?: string } }).session?.csrfToken;
        if (signIn.status !== 201 || !cookie.startsWith('chronicle_session=') || csrfToken === undefined) throw new Error(`${role} could not sign in: ${signIn.status} ${signIn.text}`);
        const writes = route.method !== 'GET';
        // Opening a session with a session is refused whatever the role (KEY_REQUIRED).
        const expected = route.method === 'POST' && route.path === '/v1/session' ? 'forbidden' : mayCall(route, role) ? 'admitted' : 'forbidden';
        // Without the token first: with it, DELETE /v1/session ends the session.
        if (writes) {
          const unprotected = await exchange(chronicle.url, route.method, path, { Cookie: cookie });
          const code = (unprotected.json as { code?: string } | undefined)?.code;
          if (unprotected.status !== 403 || code !== 'CSRF_TOKEN') problems.push(`${route.method} ${route.path} as ${role} (session, no X-CSRF-Token): ${unprotected.status} ${String(code)}, expected 403 CSRF_TOKEN`);
        }
        const answer = await exchange(chronicle.url, route.method, path, { Cookie: cookie, ...(writes ? { 'X-CSRF-Token': csrfToken } : {}) });
        const got = answer.status === 401 ? 'unauthenticated' : answer.status === 403 ? 'forbidden' : 'admitted';
        if (got !== expected || answer.status >= 500) problems.push(`${route.method} ${route.path} as ${role} (session): ${answer.status}, expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await store.headPosition()).toBe(head);
  });
});
