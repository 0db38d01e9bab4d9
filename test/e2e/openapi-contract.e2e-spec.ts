// The contract fuzzer: every operation of the served OpenAPI document, with valid requests generated
// from its schemas (ids of customers, tickets, orders and segments that exist, so they reach the
// handlers) and invalid ones made by one mutation the schema forbids, sent as admin and as every other
// caller. It fails on any 5xx, any status or body the document does not describe, any caller let in or
// kept out against the operation's roles, any request the schema forbids that is accepted, and any
// event a refused request stored. A batch whose items are of several kinds (a oneOf with a
// discriminator) also gets items of every kind generated from the document: none may be refused for
// its kind or for a field the document lists, and some of every kind must get past validation to
// their business rules. Property-based and seeded (fast-check): a failure prints the seed and the
// request; CONTRACT_SEED and CONTRACT_RUNS replay or widen a run. New routes are covered by being in
// the document.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { ApiClient } from '../support/api-client';
import { ContractChecker, ROLES, type Caller } from '../support/contract/contract-checker';
import { exchange } from '../support/contract/contract-http';
import { operationsOf, resolve, type OpenApiDocument, type Operation, type Schema } from '../support/contract/openapi-model';
import { RequestArbitraries, type GeneratedRequest, type Pools } from '../support/contract/request-arbitraries';
import { apiKeysSetting } from '../support/api-keys';

const SEED = Number(process.env.CONTRACT_SEED ?? 1_120_2026);
/** Valid and invalid requests per operation as admin; the other callers get a third of that. */
const RUNS = Number(process.env.CONTRACT_RUNS ?? 12);
/** MAX_BATCH_SIZE of the app under test. */
const MAX_BATCH = 5;
/** Generated items per kind of a batch's items. */
const ITEMS_PER_KIND = Number(process.env.CONTRACT_ITEMS_PER_KIND ?? 100);
const KEYS = Object.fromEntries(ROLES.map((role) => [role, `contract-${role}-key-0123456789`])) as Record<(typeof ROLES)[number], string>;

jest.setTimeout(30 * 60_000);

interface Failure {
  readonly operation: string;
  readonly caller: Caller;
  readonly kind: string;
  readonly report: string;
}

describe('The OpenAPI contract, fuzzed', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let document: OpenApiDocument;
  let operations: Operation[];
  let checker: ContractChecker;
  let arbitraries: RequestArbitraries;
  const statuses = new Map<string, Map<number, number>>();
  const refusedValid = new Map<string, Set<string>>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-contract-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.CONTRACT_LOG_LEVEL ?? 'silent', MAX_BATCH_SIZE: String(MAX_BATCH), READ_WAIT_TIMEOUT_MS: '100',
      API_KEYS: apiKeysSetting(KEYS),
    });
    const pools = await seed(new ApiClient(chronicle.url, KEYS.admin));
    document = (await exchange(chronicle.url, 'GET', '/docs/openapi.json', {})).json as OpenApiDocument;
    operations = operationsOf(document);
    checker = new ContractChecker(chronicle.url, document, KEYS, chronicle.app.get<EventStore>(EVENT_STORE, { strict: false }));
    await checker.quiescent();
    arbitraries = new RequestArbitraries(document, pools, new Date());
  });

  afterAll(async () => {
    if (statuses.size > 0) {
      // What the generated requests reached, per operation: a run that only ever met 400s proves little.
      process.stdout.write(`Contract fuzz (seed ${SEED}, ${RUNS} runs): statuses per operation\n${[...statuses].map(([op, counts]) => `  ${op}: ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`).join('\n')}\n`);
    }
    if (refusedValid.size > 0 && process.env.CONTRACT_VERBOSE) {
      process.stdout.write(`Requests valid by the document, refused with 400:\n${[...refusedValid].map(([op, reasons]) => `  ${op}\n${[...reasons].map((r) => `    ${r}`).join('\n')}`).join('\n')}\n`);
    }
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs a property over one operation; a failure is kept (with seed, path and the request), not thrown. */
  async function fuzz(operation: Operation, caller: Caller, kind: 'valid' | 'invalid', runs: number, failures: Failure[]): Promise<void> {
    const name = `${operation.method} ${operation.path}`;
    const requests = fc.tuple(kind === 'valid' ? arbitraries.valid(operation) : arbitraries.invalid(operation), fc.constantFrom<'bearer' | 'x-api-key'>('bearer', 'x-api-key'));
    const details = await fc.check(
      fc.asyncProperty(requests, async ([request, scheme]) => {
        const outcome = await checker.check(operation, request, caller, scheme);
        const counts = statuses.get(name) ?? new Map<number, number>();
        counts.set(outcome.status, (counts.get(outcome.status) ?? 0) + 1);
        statuses.set(name, counts);
        // Why requests the document calls valid were refused as invalid: a schema looser than the server.
        if (kind === 'valid' && outcome.status === 400 && outcome.detail !== undefined) {
          const reasons = refusedValid.get(name) ?? new Set<string>();
          if (reasons.size < 3) reasons.add(`${outcome.detail.slice(0, 300)}  ← ${show(request).slice(0, 300)}`);
          refusedValid.set(name, reasons);
        }
        if (outcome.violations.length > 0) throw new Error(`${show(request)} → ${outcome.status}: ${outcome.violations.join(' | ')}`);
      }),
      // No shrinking: the server keeps state, so a shrunk replay is not the same experiment.
      { seed: SEED, numRuns: runs, endOnFailure: true },
    );
    if (details.failed) {
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      failures.push({ operation: name, caller, kind, report: `${error}\n      (replay: CONTRACT_SEED=${details.seed}, fast-check path ${details.counterexamplePath ?? '?'})` });
    }
  }

  it('answers every operation, valid and invalid, as admin: documented statuses and bodies, no 5xx, nothing stored by a refusal', async () => {
    expect(operations.length).toBeGreaterThan(40);
    const failures: Failure[] = [];
    for (const operation of operations) {
      await fuzz(operation, 'admin', 'valid', RUNS, failures);
      await fuzz(operation, 'admin', 'invalid', RUNS, failures);
    }
    expect(report(failures)).toBe('');
  });

  it('lets in exactly the roles x-roles names, and refuses no key and unknown keys, on every operation', async () => {
    const failures: Failure[] = [];
    const runs = Math.max(2, Math.ceil(RUNS / 3));
    for (const operation of operations) {
      for (const caller of [...ROLES.filter((role) => role !== 'admin'), 'none', 'unknown'] as const) {
        await fuzz(operation, caller, 'valid', runs, failures);
      }
    }
    expect(report(failures)).toBe('');
  });

  it('generates valid items of every kind a batch takes from the document, and the server validates each kind as the document does', async () => {
    const batches = operations.flatMap((operation) => {
      const items = kindedItems(document, operation);
      return items ? [{ operation, ...items }] : [];
    });
    expect(batches.map(({ operation }) => `${operation.method} ${operation.path}`)).toContain('POST /v1/interactions/batch');
    const failures: string[] = [];
    const lines: string[] = [];
    for (const { operation, property, tag, kinds } of batches) {
      const name = `${operation.method} ${operation.path}`;
      for (const [at, [kind, schema]] of kinds.entries()) {
        // A seed of its own per kind: with one seed, kinds of alike schemas get alike values (the same messageId for a sent and a received email).
        const items = fc.sample(arbitraries.value(schema, undefined, 1), { seed: SEED + at, numRuns: ITEMS_PER_KIND });
        const counts = new Map<number, number>();
        const refusals = new Set<string>();
        for (const item of items) {
          const errors = checker.validator.errors(schema, item);
          if (errors.length > 0) failures.push(`${name} ${kind}: generated an item its schema refuses: ${JSON.stringify(item).slice(0, 300)} (${errors.join('; ')})`);
        }
        for (let start = 0; start < items.length; start += MAX_BATCH) {
          const chunk = items.slice(start, start + MAX_BATCH);
          const request: GeneratedRequest = { path: operation.path, query: {}, headers: {}, body: { [property]: chunk } };
          const outcome = await checker.check(operation, request, 'admin');
          if (outcome.status !== 200 || outcome.violations.length > 0) {
            failures.push(`${name} ${kind}: ${show(request)} → ${outcome.status}: ${[outcome.detail, ...outcome.violations].filter((line) => line !== undefined).join(' | ')}`);
            continue;
          }
          for (const result of (outcome.json as { results: ItemResult[] }).results) {
            counts.set(result.status, (counts.get(result.status) ?? 0) + 1);
            const errors = result.problem?.errors ?? [];
            if (result.status === 400) refusals.add(errors.map((e) => `${e.field.replace(/^[^.]*\./, '')}: ${e.message}`).join('; '));
            // The server takes the fields the document lists: a valid item never has its kind, or a field, refused as unknown.
            const disowned = errors.filter((e) => e.field === `${property}[${result.index}].${tag}` || e.message === UNKNOWN_FIELD);
            if (disowned.length > 0) failures.push(`${name} ${kind}: ${JSON.stringify(chunk[result.index]).slice(0, 300)} → ${JSON.stringify(disowned)}`);
          }
        }
        lines.push(`  ${name} ${kind}: ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
        if (process.env.CONTRACT_VERBOSE) lines.push(...[...refusals].map((reason) => `    400: ${reason}`));
        // Past validation: recorded (201) or refused by a business rule of the kind (404, 409, 422). A 400
        // for every item would mean the document describes items the server does not take.
        if ([...counts.keys()].every((status) => status === 400)) failures.push(`${name} ${kind}: all ${items.length} generated items were refused as invalid: ${[...refusals].slice(0, 3).join(' | ')}`);
      }
    }
    process.stdout.write(`Batch items generated per kind (seed ${SEED}, ${ITEMS_PER_KIND} each): statuses\n${lines.join('\n')}\n`);
    expect(failures).toEqual([]);
  });

  it('answers a method a documented path does not take with 405 and Allow listing exactly the documented ones', async () => {
    const problems: string[] = [];
    for (const path of Object.keys(document.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, 'c-fz-1');
      // `/v1/customers/batch` is also an instance of `/v1/customers/{customerId}`: every template the
      // concrete path matches lends it its methods.
      const matches = (template: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(concrete);
      const documented = [...new Set(operations.filter((op) => matches(op.path)).map((op) => op.method as string))];
      const allow = [...new Set([...documented, ...(documented.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort().join(', ');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !documented.includes(m))) {
        const answer = await exchange(chronicle.url, method, concrete, { Authorization: `Bearer ${KEYS.admin}` });
        if (answer.status !== 405 || answer.headers.allow !== allow || answer.mediaType !== 'application/problem+json') {
          problems.push(`${method} ${path}: ${answer.status} Allow ${String(answer.headers.allow)} (${answer.mediaType}), expected 405 Allow ${allow}`);
        }
      }
      const options = await exchange(chronicle.url, 'OPTIONS', concrete, {});
      if (options.status !== 204 || options.headers.allow !== allow) problems.push(`OPTIONS ${path}: ${options.status} Allow ${String(options.headers.allow)}, expected 204 Allow ${allow}`);
    }
    expect(problems).toEqual([]);
  });
});

/** What the validation pipe says of a field a DTO does not have (flattenValidationErrors). */
const UNKNOWN_FIELD = 'unknown field (not allowed)';

interface ItemResult {
  readonly index: number;
  readonly status: number;
  readonly problem?: { readonly errors?: readonly { readonly field: string; readonly message: string }[] };
}

/** The body property of an operation holding items of several kinds (a oneOf with a discriminator), with each kind's schema. */
function kindedItems(document: OpenApiDocument, operation: Operation): { property: string; tag: string; kinds: [string, Schema][] } | undefined {
  if (!operation.body) return undefined;
  const properties = (resolve(document, operation.body).properties ?? {}) as Record<string, Schema>;
  for (const [property, schema] of Object.entries(properties)) {
    const items = resolve(document, schema).items as Schema | undefined;
    const discriminator = items ? (resolve(document, items).discriminator as { propertyName: string; mapping: Record<string, string> } | undefined) : undefined;
    if (discriminator) return { property, tag: discriminator.propertyName, kinds: Object.entries(discriminator.mapping).map(([kind, $ref]): [string, Schema] => [kind, { $ref }]) };
  }
  return undefined;
}

function show(request: GeneratedRequest): string {
  const query = Object.keys(request.query).length > 0 ? `?${new URLSearchParams(Object.entries(request.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
  const body = request.body === undefined ? '' : ` body ${JSON.stringify(request.body).slice(0, 400)}`;
  const headers = Object.keys(request.headers).length > 0 ? ` headers ${JSON.stringify(request.headers).slice(0, 200)}` : '';
  return `${request.mutation ? `[${request.mutation}] ` : ''}${request.path}${query}${headers}${body}`;
}

function report(failures: readonly Failure[]): string {
  return failures.map((f) => `${f.operation} as ${f.caller} (${f.kind}): ${f.report}`).join('\n\n');
}

/** Customers, orders, emails, tickets and segments to aim at, created through the API; their ids by field name. */
async function seed(admin: ApiClient): Promise<Pools> {
  const ok = async (promise: Promise<{ status: number; body: unknown }>) => {
    const answer = await promise;
    if (answer.status >= 300) throw new Error(`seeding failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const customers = ['c-fz-1', 'c-fz-2', 'c-fz-3', 'c-fz-4', 'c-fz-5'];
  const names = [['Ada', 'Lovelace'], ['Grace', 'Hopper'], ['Émile', 'Zola'], ['李', '白'], ['Zoë', 'Ngũgĩ']];
  for (const [i, customerId] of customers.entries()) {
    const [firstName, lastName] = names[i] as [string, string];
    await ok(admin.post('/v1/customers', { customerId, externalId: `shop-fz-${i + 1}`, profile: { firstName, lastName, email: `fz${i + 1}@example.com`, phone: `+4420712345${10 + i}`, country: 'GB', birthDate: '1980-05-17' } }));
  }
  const orders = ['o-fz-1', 'o-fz-2', 'o-fz-3'];
  for (const [i, orderId] of orders.entries()) {
    await ok(admin.post('/v1/interactions/purchases', { customerId: customers[i], orderId, channel: 'web', currency: 'EUR', lines: [{ sku: 'SCARF', name: 'Merino scarf', category: 'accessories', quantity: 2, unitPriceMinor: 2995 }] }));
  }
  await ok(admin.post('/v1/interactions/refunds', { customerId: customers[0], orderId: 'o-fz-1', refundId: 'r-fz-1', amountMinor: 1000, currency: 'EUR' }));
  const messages = ['m-fz-1', 'm-fz-2'];
  for (const [i, messageId] of messages.entries()) await ok(admin.post('/v1/interactions/emails/sent', { customerId: customers[i], messageId, subject: 'Your order has shipped' }));
  await ok(admin.post('/v1/interactions/calls', { customerId: customers[0], callId: 'call-fz-1', direction: 'inbound', durationSeconds: 120, outcome: 'resolved' }));
  await ok(admin.post('/v1/interactions/surveys', { customerId: customers[1], surveyId: 's-fz-1', kind: 'nps', score: 9 }));
  const tickets = ['t-fz-1', 't-fz-2', 't-fz-3'];
  for (const [i, ticketId] of tickets.entries()) await ok(admin.post('/v1/tickets', { customerId: customers[i], ticketId, subject: 'Parcel arrived damaged', channel: 'email', priority: 'high' }));
  await ok(admin.post('/v1/tickets/t-fz-2/replies', { author: 'agent', authorId: 'agent-7', body: 'Sending a new one' }));
  await ok(admin.post('/v1/tickets/t-fz-2/resolve', { resolution: 'Replacement shipped' }));
  await ok(admin.post('/v1/tickets/t-fz-3/resolve', { resolution: 'Refunded' }));
  await ok(admin.post('/v1/tickets/t-fz-3/close', {}));
  const segments = ['seg-fz-buyers', 'seg-fz-archived'];
  await ok(admin.post('/v1/segments', { segmentId: segments[0], name: 'Buyers', rule: { purchases: { count: { gte: 1 }, withinDays: 365 } } }));
  await ok(admin.post('/v1/segments', { segmentId: segments[1], name: 'Old', rule: { field: 'country', op: 'eq', value: 'GB' } }));
  await ok(admin.raw('DELETE', `/v1/segments/${segments[1]}`, undefined));
  return {
    customerId: customers,
    ticketId: tickets,
    orderId: orders,
    messageId: messages,
    segmentId: segments,
    id: customers,
    externalId: customers.map((_, i) => `shop-fz-${i + 1}`),
    email: customers.map((_, i) => `fz${i + 1}@`),
    name: names.map(([first]) => first as string),
    streamId: [...customers.map((id) => `customer-${id}`), ...tickets.map((id) => `ticket-${id}`)],
  };
}
