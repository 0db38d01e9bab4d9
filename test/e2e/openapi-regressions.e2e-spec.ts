// Regression tests for what the contract fuzzer (openapi-contract.e2e-spec.ts), the role matrix
// (openapi-document.e2e-spec.ts) and readers of the document found, one per defect, each on a fixed
// request so it fails for that defect alone. The answers are checked against the served document's
// schemas with ajv.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { exchange } from '../support/contract/contract-http';
import { ContractValidator, resolve, type Json, type OpenApiDocument, type Schema } from '../support/contract/openapi-model';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(180_000);

/** Each interaction kind's own endpoint: a batch item of the kind is that endpoint's body with `type` naming the kind. */
const KIND_ENDPOINTS: Readonly<Record<string, string>> = {
  call: '/v1/interactions/calls',
  'email-sent': '/v1/interactions/emails/sent',
  'email-received': '/v1/interactions/emails/received',
  'email-opened': '/v1/interactions/emails/opened',
  'email-clicked': '/v1/interactions/emails/clicked',
  chat: '/v1/interactions/chats',
  purchase: '/v1/interactions/purchases',
  refund: '/v1/interactions/refunds',
  survey: '/v1/interactions/surveys',
  note: '/v1/interactions/notes',
};

/** One valid item of each kind for customer c-rg-1 (its order o-rg-1 is recorded; the email is sent before it is opened and clicked). */
const BATCH_ITEMS: readonly Record<string, Json>[] = [
  { type: 'call', customerId: 'c-rg-1', callId: 'call-rg-b1', direction: 'inbound', durationSeconds: 120, connection: 'answered', resolution: 'resolved', agentId: 'agent-7', summary: 'Asked about delivery' },
  { type: 'email-sent', customerId: 'c-rg-1', messageId: 'm-rg-b1', subject: 'Your order has shipped', campaignId: 'winter-sale' },
  { type: 'email-received', customerId: 'c-rg-1', messageId: 'm-rg-b2', subject: 'Where is my parcel?' },
  { type: 'email-opened', customerId: 'c-rg-1', messageId: 'm-rg-b1' },
  { type: 'email-clicked', customerId: 'c-rg-1', messageId: 'm-rg-b1', url: 'https://shop.example.com/track' },
  { type: 'chat', customerId: 'c-rg-1', chatId: 'chat-rg-b1', channel: 'web', messageCount: 4, durationSeconds: 300 },
  { type: 'purchase', customerId: 'c-rg-1', orderId: 'o-rg-b1', channel: 'store', currency: 'EUR', lines: [{ sku: 'G', name: 'Gloves', category: 'accessories', quantity: 1, unitPriceMinor: 1999 }] },
  { type: 'refund', customerId: 'c-rg-1', orderId: 'o-rg-1', refundId: 'r-rg-b1', amountMinor: 1000, currency: 'EUR', reason: 'damaged' },
  { type: 'survey', customerId: 'c-rg-1', surveyId: 's-rg-b1', kind: 'csat', score: 4, comment: 'Quick' },
  { type: 'note', customerId: 'c-rg-1', noteId: 'n-rg-b1', text: 'Prefers calls after 5pm', authorId: 'agent-7' },
];

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

  it('writes nullable as OpenAPI 3.0.3 reads it: beside a type, so a strict validator compiles every schema and takes null where the API answers null (`{allOf: [$ref], nullable}` was ignored or refused by them)', async () => {
    const document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as { components: { schemas: Record<string, Json> } };
    // ajv applies OpenAPI's nullable keyword itself, and refuses one without a type as 3.0.3 says.
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi', components: document.components });
    const refused = Object.keys(document.components.schemas).flatMap((name) => {
      try {
        ajv.getSchema(`openapi#/components/schemas/${name}`);
        return [];
      } catch (error) {
        return [`${name}: ${(error as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
    for (const property of ['Customer360Profile/properties/gender', 'NpsStats/properties/lastClass', 'TicketView/properties/channel', 'TicketView/properties/sla', 'CustomerAnalysis/properties/churnRisk', 'SegmentEvaluation/properties/position', 'SegmentEvaluation/properties/completedAt']) {
      const validate = ajv.getSchema(`openapi#/components/schemas/${property}`);
      expect({ property, null: validate?.(null) }).toEqual({ property, null: true });
    }
    // And a value of the referenced schema still has to be one: a nullable enum takes no other text.
    expect(ajv.getSchema('openapi#/components/schemas/TicketView/properties/channel')?.('fax')).toBe(false);
  });

  it('answers X-Chronicle-Consistent on every read that takes minPosition, as the document says (found from outside: the ticket lists, a customer\'s segments and the customer CSV sent none, and the segments did not wait)', async () => {
    type Operation = { parameters?: { name: string; in: string; required?: boolean }[]; responses: Record<string, { headers?: Record<string, unknown> }> };
    const document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as { paths: Record<string, Record<string, Operation>> };
    expect((await analyst.post('/v1/segments', { segmentId: 'seg-rg-1', name: 'Buyers', rule: { purchases: { count: { gte: 1 }, withinDays: 365 } } })).status).toBeLessThan(300);
    const ids: Record<string, string> = { customerId: 'c-rg-1', ticketId: 't-rg-1', segmentId: 'seg-rg-1' };
    const required: Record<string, string> = { from: '2026-01-01', to: '2026-01-31' };
    const head = (await admin.get('/health/ready')).body.details.eventStore.headPosition as number;
    const answers: { route: string; status: number; header: unknown }[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.parameters?.some((parameter) => parameter.name === 'minPosition' && parameter.in === 'query')) continue;
        expect({ route: `${method} ${path}`, documented: operation.responses['200']?.headers?.['X-Chronicle-Consistent'] !== undefined }).toEqual({ route: `${method} ${path}`, documented: true });
        const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? `missing-${name}`));
        const query = new URLSearchParams({ minPosition: String(head) });
        for (const parameter of operation.parameters) if (parameter.required && parameter.in === 'query') query.set(parameter.name, required[parameter.name] ?? `missing-${parameter.name}`);
        const answer = await exchange(chronicle.url, method.toUpperCase(), `${concrete}?${query}`, { Authorization: `Bearer ${KEYS.admin}` });
        answers.push({ route: `${method.toUpperCase()} ${path}`, status: answer.status, header: answer.headers['x-chronicle-consistent'] });
      }
    }
    expect(answers.length).toBeGreaterThanOrEqual(15);
    expect(answers.filter((answer) => answer.status !== 200 || (answer.header !== 'true' && answer.header !== 'false'))).toEqual([]);
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

  describe('describes each item of POST /v1/interactions/batch exactly (an item was `{type}` alone: a client generated from the document sent no other field)', () => {
    let document: OpenApiDocument;
    const bodyOf = (path: string): Schema => {
      const operation = document.paths[path]?.post as { requestBody: { content: { 'application/json': { schema: Schema } } } };
      return resolve(document, operation.requestBody.content['application/json'].schema);
    };

    beforeAll(async () => {
      document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as OpenApiDocument;
    });

    it('as one of the kinds, each with the fields and required fields of its own endpoint\'s body and `type`, nothing else', () => {
      const items = resolve(document, (bodyOf('/v1/interactions/batch').properties as Record<string, Schema>).items as Schema).items as Schema;
      const { discriminator, oneOf } = items as { discriminator: { propertyName: string; mapping: Record<string, string> }; oneOf: Schema[] };
      expect(discriminator.propertyName).toBe('type');
      expect(Object.keys(discriminator.mapping).sort()).toEqual(Object.keys(KIND_ENDPOINTS).sort());
      expect(oneOf.map((branch) => branch.$ref).sort()).toEqual(Object.values(discriminator.mapping).sort());
      for (const [kind, endpoint] of Object.entries(KIND_ENDPOINTS)) {
        const item = resolve(document, { $ref: discriminator.mapping[kind] as string });
        const body = bodyOf(endpoint);
        const { type, ...fields } = item.properties as Record<string, Schema>;
        expect({ kind, type }).toEqual({ kind, type: expect.objectContaining({ type: 'string', enum: [kind] }) });
        expect({ kind, fields: Object.keys(item.properties as Schema).sort(), required: [...(item.required as string[])].sort(), closed: item.additionalProperties })
          .toEqual({ kind, fields: [...Object.keys(body.properties as Schema), 'type'].sort(), required: [...(body.required as string[]), 'type'].sort(), closed: false });
        // The same rules on every field as the endpoint's body.
        expect({ kind, fields }).toEqual({ kind, fields: body.properties });
        expect(body.additionalProperties).toBe(false);
      }
      // The customers' batch takes exactly the registration body.
      const registrations = resolve(document, (bodyOf('/v1/customers/batch').properties as Record<string, Schema>).items as Schema).items as Schema;
      expect(resolve(document, registrations)).toEqual(bodyOf('/v1/customers'));
    });

    it('takes an item of every kind valid by the document, and refuses one with a field its kind does not have, naming it, storing nothing', async () => {
      const batch = schema('BatchDto');
      expect(validator.errors(batch, { items: BATCH_ITEMS })).toEqual([]);
      const recorded = await admin.post('/v1/interactions/batch', { items: BATCH_ITEMS });
      expect(recorded.status).toBe(200);
      expect(recorded.body.results.map((r: { index: number; status: number; problem?: unknown }) => ({ kind: BATCH_ITEMS[r.index]?.type, status: r.status, problem: r.problem })))
        .toEqual(BATCH_ITEMS.map((item) => ({ kind: item.type, status: 201, problem: undefined })));

      // A field of another kind (a client mixing up kinds): outside the item's schema, and refused in its result.
      const allFields = new Set(BATCH_ITEMS.flatMap((item) => Object.keys(item)));
      const mixedUp = BATCH_ITEMS.map((item) => {
        const field = [...allFields].find((name) => !(name in item)) as string;
        return { item: { ...item, [field]: 'x' }, field };
      });
      const store = chronicle.app.get<EventStore>(EVENT_STORE, { strict: false });
      const head = await store.headPosition();
      for (const { item } of mixedUp) expect({ item, refused: validator.errors(batch, { items: [item] }).length > 0 }).toEqual({ item, refused: true });
      // Reactors may still append for the batch before (loyalty points): what this request stored is what carries its correlation id.
      const refused = await admin.post('/v1/interactions/batch', { items: mixedUp.map(({ item }) => item) }, { 'X-Correlation-Id': 'rg-mixed-up-kinds' });
      expect(refused.status).toBe(200);
      expect(refused.body.results.map((r: { status: number; problem?: { errors?: { field: string }[] } }) => ({ status: r.status, fields: r.problem?.errors?.map((e) => e.field) })))
        .toEqual(mixedUp.map(({ field }, index) => ({ status: 400, fields: [`items[${index}].${field}`] })));
      expect((await store.readAll({ after: head })).filter((event) => event.metadata.correlationId === 'rg-mixed-up-kinds')).toEqual([]);
    });
  });

  it('documents the 422 a survey about another customer\'s ticket is answered with (it was answered, undocumented)', async () => {
    expect((await admin.post('/v1/customers', { customerId: 'c-rg-2', profile: {} })).status).toBe(201);
    const answer = await admin.post('/v1/interactions/surveys', { customerId: 'c-rg-2', surveyId: 's-rg-other', kind: 'nps', score: 9, ticketId: 't-rg-1' });
    expect({ status: answer.status, fields: answer.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 422, fields: ['customerId'] });
    expect(validator.errors(schema('Problem'), answer.body)).toEqual([]);
    const document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths['/v1/interactions/surveys']?.post?.responses ?? {})).toContain('422');
  });
});
