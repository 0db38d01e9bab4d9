// Regression tests for what the contract fuzzer (openapi-contract.e2e-spec.ts) and the role matrix
// (openapi-document.e2e-spec.ts) found, one per defect, each on a fixed request so it fails for
// that defect alone. The answers are checked against the served document's schemas with ajv.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { exchange } from '../support/contract/contract-http';
import { ContractValidator, type OpenApiDocument, type Schema } from '../support/contract/openapi-model';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(180_000);

const KEYS = { admin: 'regress-admin-key-0123456789', auditor: 'regress-auditor-key-0123456789', analyst: 'regress-analyst-key-0123456789' };

describe('What the API contract tests found', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let admin: ApiClient;
  let auditor: ApiClient;
  let analyst: ApiClient;
  let validator: ContractValidator;
  const schema = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-regress-'));
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: apiKeysSetting(KEYS) });
    admin = new ApiClient(chronicle.url, KEYS.admin);
    auditor = new ApiClient(chronicle.url, KEYS.auditor);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    validator = new ContractValidator((await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as OpenApiDocument);
    expect((await admin.post('/v1/customers', { customerId: 'c-rg-1', profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } })).status).toBe(201);
    expect((await admin.post('/v1/interactions/purchases', { customerId: 'c-rg-1', orderId: 'o-rg-1', channel: 'web', currency: 'EUR', lines: [{ sku: 'S', name: 'Scarf', category: 'accessories', quantity: 1, unitPriceMinor: 5000 }] })).status).toBe(201);
    const opened = await admin.post('/v1/tickets', { customerId: 'c-rg-1', ticketId: 't-rg-1', subject: 'Parcel late', channel: 'email', priority: 'normal' });
    expect(opened.status).toBe(201);
    // The loyalty account and the ticket are in the read models before the export is read.
    await eventually(async () => {
      const account = await admin.get(`/v1/customers/c-rg-1/loyalty?minPosition=${opened.body.position}`);
      if (account.status !== 200 || account.headers['x-chronicle-consistent'] !== 'true') throw new Error(`loyalty account not there yet: ${account.status}`);
    }, 60_000);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the as-of 360 view and timeline (they were 500: the projections were provided as their factory)', async () => {
    const view = await auditor.get('/v1/audit/customers/c-rg-1/360');
    expect(view.status).toBe(200);
    expect(validator.errors(schema('Customer360Answer'), view.body)).toEqual([]);
    const timeline = await auditor.get('/v1/audit/customers/c-rg-1/timeline');
    expect(timeline.status).toBe(200);
    expect(validator.errors(schema('TimelinePage'), timeline.body)).toEqual([]);
    expect((await auditor.get('/v1/audit/customers/c-rg-none/360')).status).toBe(404);
  });

  it('exports tickets and the loyalty account as the document says (their type named bookkeeping fields the export strips)', async () => {
    const exported = await auditor.get('/v1/customers/c-rg-1/export');
    expect(exported.status).toBe(200);
    expect(exported.body.tickets).toHaveLength(1);
    expect(exported.body.loyalty.account).not.toBeNull();
    expect(validator.errors(schema('CustomerExport'), exported.body)).toEqual([]);
  });

  it('answers the loyalty account and segments with their fields (their types came out as empty objects)', async () => {
    const account = await admin.get('/v1/customers/c-rg-1/loyalty');
    expect(validator.errors(schema('LoyaltyAccountView'), account.body)).toEqual([]);
    expect(account.body).toEqual(expect.objectContaining({ customerId: 'c-rg-1', balance: expect.any(Number), tier: expect.any(String) }));
    expect((await analyst.post('/v1/segments', { segmentId: 'seg-rg', name: 'Buyers', rule: { purchases: { count: { gte: 1 }, withinDays: 365 } } })).status).toBe(201);
    const segment = await analyst.get('/v1/segments/seg-rg');
    expect(validator.errors(schema('SegmentView'), segment.body)).toEqual([]);
    expect(segment.body).toEqual(expect.objectContaining({ segmentId: 'seg-rg', name: 'Buyers', memberCount: expect.any(Number) }));
  });

  it('documents every header once and none as required (Last-Event-ID came twice, once required, though a first connection has none)', async () => {
    const document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean }[] }>> };
    const headers = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) => (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => ({ operation: `${method} ${path}`, name: p.name.toLowerCase(), required: p.required === true }))),
    );
    expect(headers.some((h) => h.name === 'last-event-id')).toBe(true);
    expect(headers.filter((h) => h.required)).toEqual([]);
    const seen = new Set<string>();
    const twice = headers.filter((h) => seen.size === seen.add(`${h.operation} ${h.name}`).size);
    expect(twice).toEqual([]);
    // A first connection, with no Last-Event-ID, is served.
    const live = await fetch(`${chronicle.url}/v1/live/tickets`, { headers: { Authorization: `Bearer ${KEYS.admin}` }, signal: AbortSignal.timeout(30_000) });
    expect(live.status).toBe(200);
    await live.body?.cancel();
  });

  it('refuses a query parameter on a route that takes none, naming it, and stores nothing (it was ignored)', async () => {
    const store = chronicle.app.get<EventStore>(EVENT_STORE, { strict: false });
    const head = await store.headPosition();
    const answer = await admin.post('/v1/interactions/notes?dryRun=true', { customerId: 'c-rg-1', noteId: 'n-rg-1', text: 'Called back', authorId: 'agent-7' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'dryRun' })]);
    expect(await store.headPosition()).toBe(head);
  });

  it('documents that no query parameter takes an empty value (`?cursor=` was accepted and ignored; it is a 400 naming it)', async () => {
    const document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; allowEmptyValue?: boolean; schema?: Schema & { type?: string; minLength?: number; items?: Schema & { minLength?: number } } }[] }>> };
    const query = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) => (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ at: `${method} ${path} ${p.name}`, ...p }))),
    );
    expect(query.length).toBeGreaterThan(10);
    expect(query.filter((p) => p.allowEmptyValue === true).map((p) => p.at)).toEqual([]);
    expect(query.filter((p) => p.schema?.type === 'string' && !(p.schema.minLength! >= 1)).map((p) => p.at)).toEqual([]);
    expect(query.filter((p) => p.schema?.type === 'array' && p.schema.items?.type === 'string' && !(p.schema.items.minLength! >= 1)).map((p) => p.at)).toEqual([]);
    const answer = await admin.get('/v1/customers/c-rg-1/timeline?cursor=');
    expect({ status: answer.status, fields: answer.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['cursor'] });
  });
});
