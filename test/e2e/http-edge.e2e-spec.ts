// The HTTP edge, end to end over real sockets on the embedded default: every malformed request gets
// a 4xx problem document (never a 5xx), the caller is authenticated before any body is looked at,
// only JSON bodies are taken (decoded from gzip, deflate or br within MAX_BODY_BYTES), and nothing
// refused reaches the event store. Each case is a defect a tester reproduced on a fresh start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { MAX_RULE_DEPTH } from '@app/segments';
import { ApiClient } from '../support/api-client';
import { send, type RawRequest, type RawResponse } from '../support/raw-http';
import { openSse } from '../support/sse-client';
import { connect } from 'node:net';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(120_000);

const KEYS = {
  ingest: 'edge-ingest-key-0123456789',
  support: 'edge-support-key-0123456789',
  analyst: 'edge-analyst-key-0123456789',
  admin: 'edge-admin-key-0123456789',
};
const MAX_BODY_BYTES = 64 * 1024;
const MAX_EVENT_BYTES = 16 * 1024;

function expectProblem(response: RawResponse, status: number, code?: string): void {
  expect({ status: response.status, type: response.headers['content-type'], code: response.body?.code }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
    code: code ?? response.body?.code,
  });
}

describe('The HTTP edge: every bad input a clear 4xx', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let support: ApiClient;
  const customerId = 'c-edge';
  const json = { 'Content-Type': 'application/json' };
  const as = (role: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[role]}` });
  const request = (options: RawRequest) => send(chronicle.url, options);
  const head = async (): Promise<number> => (await support.get('/health/ready')).body.details.eventStore.headPosition;
  const note = (noteId: string) => JSON.stringify({ customerId, noteId, text: 'hello', authorId: 'agent-1' });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-edge-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', MAX_BODY_BYTES: String(MAX_BODY_BYTES), MAX_BATCH_SIZE: '50', MAX_EVENT_BYTES: String(MAX_EVENT_BYTES),
      API_KEYS: apiKeysSetting(KEYS),
    });
    support = new ApiClient(chronicle.url, KEYS.support);
    const ingest = new ApiClient(chronicle.url, KEYS.ingest);
    expect((await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Edith', lastName: 'Edge' } })).status).toBe(201);
    expect((await support.post('/v1/tickets', { customerId, ticketId: 't-edge', subject: 'Edge', channel: 'email', priority: 'low', occurredAt: '2026-11-01T09:00:00Z' })).status).toBe(201);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the caller (401, 403) before looking at the body: not even a held-back body is waited for', async () => {
    const before = await head();
    const big = { ...json, 'Content-Length': String(3 * 1024 * 1024) };
    const anonymousBig = await request({ method: 'POST', path: '/v1/interactions/notes', headers: big, holdBody: true });
    expectProblem(anonymousBig, 401, 'UNAUTHENTICATED');
    expect(anonymousBig.headers['www-authenticate']).toMatch(/^Bearer realm="chronicle"/);
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: json, body: '{"customerId":' }), 401);
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer not-a-key-0123456789' }, body: 'x' }), 401);
    expect((await request({ method: 'POST', path: '/v1/interactions/notes', headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer not-a-key-0123456789' }, body: 'x' })).headers['www-authenticate']).toContain('invalid_token');
    // The support key may not send emails: 403 whatever the body would have been.
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/emails/sent', headers: { ...big, ...as('support') }, holdBody: true }), 403, 'FORBIDDEN');
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/emails/sent', headers: { 'Content-Type': 'text/plain', ...as('support') }, body: '{bad' }), 403);
    // A caller who may: the announced size alone is refused, still without reading the body.
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...big, ...as('ingest') }, holdBody: true }), 413, 'BODY_TOO_LARGE');
    expect(await head()).toBe(before);
  });

  it('refuses a command whose one event would be over MAX_EVENT_BYTES with a 413 naming the field, alone and in a batch; nothing reaches the store', async () => {
    const before = await head();
    const lines = Array.from({ length: 100 }, (_, i) => ({ sku: `SKU-${i}`, name: `A long product name, line ${i} of a large order ${'x'.repeat(120)}`, category: 'grocery', quantity: 1, unitPriceMinor: 100 }));
    const purchase = { customerId, orderId: 'o-too-large', channel: 'web', currency: 'EUR', lines };
    expect(JSON.stringify(purchase).length).toBeGreaterThan(MAX_EVENT_BYTES);
    expect(JSON.stringify(purchase).length).toBeLessThan(MAX_BODY_BYTES);
    const alone = await request({ method: 'POST', path: '/v1/interactions/purchases', headers: { ...json, ...as('ingest') }, body: JSON.stringify(purchase) });
    expectProblem(alone, 413, 'EVENT_TOO_LARGE');
    expect(alone.body.errors).toEqual([{ field: 'lines', message: expect.stringContaining('MAX_EVENT_BYTES') }]);
    const batch = await request({
      method: 'POST', path: '/v1/interactions/batch', headers: { ...json, ...as('ingest') },
      body: JSON.stringify({ items: [{ type: 'purchase', ...purchase, orderId: 'o-too-large-b' }] }),
    });
    expect(batch.body.results[0]).toMatchObject({ status: 413, problem: { code: 'EVENT_TOO_LARGE', errors: [{ field: 'items[0].lines' }] } });
    expect(await head()).toBe(before);
    // The same order at a size within the limit is taken.
    const small = await request({ method: 'POST', path: '/v1/interactions/purchases', headers: { ...json, ...as('ingest') }, body: JSON.stringify({ ...purchase, orderId: 'o-small', lines: lines.slice(0, 10) }) });
    expect(small.status).toBe(201);
  });

  it('keeps idle connections open longer than clients and load balancers pool them (Keep-Alive: timeout=65), so a reused connection is not reset', async () => {
    const answer = await request({ method: 'GET', path: '/health/live', headers: { Connection: 'keep-alive' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['keep-alive']).toBe('timeout=65');
  });

  it('takes the Bearer scheme in any case and with extra spaces (RFC 9110 §11.4); other schemes are a 401 saying so', async () => {
    for (const [i, scheme] of ['bearer', 'BEARER', 'Bearer  ', 'bEaReR\t'].entries()) {
      const sent = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, Authorization: `${scheme} ${KEYS.ingest}` }, body: note(`n-scheme-${i}`) });
      expect({ scheme, status: sent.status }).toEqual({ scheme, status: 201 });
    }
    const basic = await request({ method: 'GET', path: `/v1/customers/${customerId}`, headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expectProblem(basic, 401);
    expect(basic.body.detail).toContain('"Basic" is not supported');
    expectProblem(await request({ method: 'GET', path: `/v1/customers/${customerId}`, headers: { Authorization: 'Bearer' } }), 401);
    // X-API-Key still works, also beside a Basic header meant for a proxy.
    expect((await request({ method: 'GET', path: `/v1/customers/${customerId}`, headers: { Authorization: 'Basic dXNlcjpwYXNz', 'X-API-Key': KEYS.support } })).status).toBe(200);
  });

  // Found from outside: two keys in one request were taken silently (Node keeps the first Authorization
  // header; a Bearer key beside a different X-API-Key won), so which principal acted was up to the order.
  it('refuses a request that presents two keys (the same header twice, or a Bearer key and a different X-API-Key): 401 saying so, nothing stored', async () => {
    const path = `/v1/customers/${customerId}`;
    for (const [what, headers] of [
      ['two Authorization headers', { Authorization: [`Bearer ${KEYS.support}`, `Bearer ${KEYS.ingest}`] }],
      ['the same key twice in Authorization', { Authorization: [`Bearer ${KEYS.support}`, `Bearer ${KEYS.support}`] }],
      ['two X-API-Key headers', { 'X-API-Key': [KEYS.support, KEYS.ingest] }],
      ['a Bearer key and a different X-API-Key', { Authorization: `Bearer ${KEYS.support}`, 'X-API-Key': KEYS.ingest }],
    ] as const) {
      const answer = await request({ method: 'GET', path, headers });
      expect({ what, status: answer.status, code: answer.body?.code }).toEqual({ what, status: 401, code: 'UNAUTHENTICATED' });
      expect(answer.headers['www-authenticate']).toContain('error="invalid_request"');
    }
    const before = await head();
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, Authorization: `Bearer ${KEYS.ingest}`, 'X-API-Key': KEYS.support }, body: note('n-two-keys') }), 401);
    expect(await head()).toBe(before);
    // The same key in both places is one key.
    expect((await request({ method: 'GET', path, headers: { Authorization: `Bearer ${KEYS.support}`, 'X-API-Key': KEYS.support } })).status).toBe(200);
  });

  it('answers 405 with Allow for a known path and another method, 204 with Allow to OPTIONS, 404 for an unknown path', async () => {
    const put = await request({ method: 'PUT', path: '/v1/customers', headers: { ...json, ...as('ingest') }, body: '{}' });
    expectProblem(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.allow).toBe('GET, HEAD, OPTIONS, POST');
    const deleteCall = await request({ method: 'DELETE', path: '/v1/interactions/calls', headers: as('ingest') });
    expectProblem(deleteCall, 405);
    expect(deleteCall.headers.allow).toBe('OPTIONS, POST');
    expect((await request({ method: 'GET', path: '/v1/interactions/batch', headers: as('ingest') })).headers.allow).toBe('OPTIONS, POST');
    expect((await request({ method: 'POST', path: '/health/ready', headers: json, body: '{}' })).status).toBe(405);
    const options = await request({ method: 'OPTIONS', path: `/v1/customers/${customerId}` });
    expect({ status: options.status, allow: options.headers.allow }).toEqual({ status: 204, allow: 'GET, HEAD, OPTIONS, PATCH' });
    expectProblem(await request({ method: 'GET', path: '/v1/no-such-thing', headers: as('support') }), 404);
    // Found from outside: a path no route serves had no code, and a path that is no percent-encoding
    // (refused before the /v1 hooks) no Cache-Control. Every problem says both.
    const unknownPath = await request({ method: 'GET', path: '/v1/no-such-thing', headers: as('support') });
    expectProblem(unknownPath, 404, 'NOT_FOUND');
    const badPath = await request({ method: 'GET', path: '/v1/customers/%E0%A4%A', headers: as('support') });
    expectProblem(badPath, 400, 'INVALID_PATH');
    for (const answer of [unknownPath, badPath, await request({ method: 'GET', path: '/no-such-thing' })]) expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('takes application/json only: a text/plain close is a 415 and the ticket stays open, not closed "now"', async () => {
    const before = await head();
    const closeAt = '2026-11-02T10:00:00Z';
    const plain = await request({ method: 'POST', path: '/v1/tickets/t-edge/close', headers: { 'Content-Type': 'text/plain', ...as('support') }, body: JSON.stringify({ occurredAt: closeAt }) });
    expectProblem(plain, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(plain.body.errors).toEqual([{ field: 'Content-Type', message: 'Content-Type must be application/json, not "text/plain"' }]);
    expect(plain.headers.accept).toBe('application/json');
    expect(await head()).toBe(before);
    expect((await support.get(`/v1/tickets/t-edge?minPosition=${before}`)).body.status).toBe('open');

    for (const contentType of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'application/json; charset=iso-8859-1', 'application json', 'application/json; foo=bar', 'application/json; charset=utf-8; version=2']) {
      const sent = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...(contentType ? { 'Content-Type': contentType } : {}), ...as('ingest') }, body: note('n-type') });
      expect({ contentType, status: sent.status, fields: (sent.body.errors as { field: string }[]).map((e) => e.field) }).toEqual({ contentType, status: 415, fields: ['Content-Type'] });
    }
    const patch = await request({ method: 'PATCH', path: `/v1/customers/${customerId}`, headers: { 'Content-Type': 'text/plain', ...as('ingest') }, body: '{"changes":{"city":"Rome"}}' });
    expectProblem(patch, 415);
    expect(patch.headers['accept-patch']).toBe('application/json');
    expect(await head()).toBe(before);

    for (const [i, contentType] of ['application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"', 'application/json;charset=utf-8;'].entries()) {
      expect((await request({ method: 'POST', path: '/v1/interactions/notes', headers: { 'Content-Type': contentType, ...as('ingest') }, body: note(`n-type-${i}`) })).status).toBe(201);
    }
    const closed = await request({ method: 'POST', path: '/v1/tickets/t-edge/close', headers: { ...json, ...as('support') }, body: JSON.stringify({ occurredAt: closeAt }) });
    expect(closed.status).toBe(200);
    expect((await support.get(`/v1/tickets/t-edge?minPosition=${closed.body.position}`)).body).toMatchObject({ status: 'closed', closedAt: new Date(closeAt).toISOString() });
  });

  it('a route that takes a body needs one (send {}); a route that takes none refuses one', async () => {
    const before = await head();
    const none = await request({ method: 'POST', path: '/v1/tickets/t-none/close', headers: as('support') });
    expectProblem(none, 400, 'BODY_REQUIRED');
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest') }, body: '' }), 400, 'BODY_REQUIRED');
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest') }, body: '   ' }), 400, 'BODY_REQUIRED');
    expectProblem(await request({ method: 'GET', path: `/v1/customers/${customerId}`, headers: { ...json, ...as('support') }, body: '{}' }), 400, 'BODY_NOT_ALLOWED');
    expectProblem(await request({ method: 'DELETE', path: '/v1/segments/nothing', headers: { ...json, ...as('analyst') }, body: '{"reason":"x"}' }), 400, 'BODY_NOT_ALLOWED');
    expect(await head()).toBe(before);
  });

  it('decodes gzip, deflate and br bodies; a body that does not decode is a 400, an unknown coding a 415, a decoded body over MAX_BODY_BYTES a 413', async () => {
    const codings: [string, (input: Buffer) => Buffer][] = [['gzip', gzipSync], ['x-gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]];
    for (const [coding, compress] of codings) {
      const sent = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest'), 'Content-Encoding': coding }, body: compress(Buffer.from(note(`n-${coding}`))) });
      expect({ coding, status: sent.status }).toEqual({ coding, status: 201 });
    }
    const before = await head();
    for (const [coding] of codings) {
      const garbage = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest'), 'Content-Encoding': coding }, body: note(`n-bad-${coding}`) });
      expect({ coding, status: garbage.status, code: garbage.body.code }).toEqual({ coding, status: 400, code: 'INVALID_CONTENT_ENCODING' });
    }
    const bomb = gzipSync(Buffer.from(`{"customerId":"${customerId}","noteId":"n-bomb","authorId":"a","text":"${' '.repeat(4 * MAX_BODY_BYTES)}"}`));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    expectProblem(await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest'), 'Content-Encoding': 'gzip' }, body: bomb }), 413, 'BODY_TOO_LARGE');
    const compress = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest'), 'Content-Encoding': 'compress' }, body: note('n-compress') });
    expectProblem(compress, 415, 'UNSUPPORTED_CONTENT_ENCODING');
    expect((compress.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['Content-Encoding']);
    expect(compress.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(await head()).toBe(before);
  });

  it('refuses bodies nested too deep or too wide, not UTF-8, not JSON or not an object, with a 400 saying which', async () => {
    const before = await head();
    const post = (body: string | Buffer, path = '/v1/customers') => request({ method: 'POST', path, headers: { ...json, ...as('ingest') }, body });
    // The tester's 500: a valid key and 5,000 levels of valid JSON overflowed the validator's stack.
    expectProblem(await post(`{"customerId":"c-deep","profile":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`), 400, 'BODY_TOO_DEEP');
    expectProblem(await post(`${'['.repeat(65)}${']'.repeat(65)}`), 400, 'BODY_TOO_DEEP');
    const wide = await post(JSON.stringify({ customerId, orderId: 'o-wide', channel: 'web', currency: 'EUR', lines: Array.from({ length: 10_001 }, () => 0) }), '/v1/interactions/purchases');
    expect({ status: wide.status, errors: wide.body.errors }).toEqual({ status: 400, errors: [{ field: 'lines', message: 'must not have more than 10000 items' }] });
    expectProblem(await post(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 400, 'INVALID_UTF8');
    expectProblem(await post('{"customerId":'), 400, 'INVALID_JSON');
    for (const body of ['[]', '"text"', '42', 'null']) expectProblem(await post(body), 400, 'INVALID_BODY');
    expect(await head()).toBe(before);
    // A legitimate deep body, the deepest segment rule the segments' own check accepts, passes the edge.
    let rule: Record<string, unknown> = { field: 'age', op: 'gte', value: 30 };
    for (let level = 1; level < MAX_RULE_DEPTH; level++) rule = { all: [rule] };
    const preview = await request({ method: 'POST', path: '/v1/segments/preview', headers: { ...json, ...as('analyst') }, body: JSON.stringify({ rule }) });
    expect({ status: preview.status, errors: preview.body.errors }).toEqual({ status: 200, errors: undefined });
  });

  it('refuses __proto__, constructor and prototype like any unknown field, at any depth, in bodies and queries', async () => {
    const before = await head();
    const registered = await request({
      method: 'POST', path: '/v1/customers', headers: { ...json, ...as('ingest') },
      body: '{"customerId":"c-proto","constructor":{"name":"x"},"profile":{"firstName":"A","lastName":"B","__proto__":{"admin":true}}}',
    });
    expect({ status: registered.status, fields: registered.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['constructor', 'profile.__proto__'] });
    expect(registered.body.errors[0].message).toBe('unknown field (not allowed)');
    const batch = await request({
      method: 'POST', path: '/v1/interactions/batch', headers: { ...json, ...as('ingest') },
      body: `{"items":[{"type":"note","customerId":"${customerId}","noteId":"n-p","text":"x","authorId":"a"},{"type":"call","prototype":1}]}`,
    });
    expect({ status: batch.status, fields: batch.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['items[1].prototype'] });
    const query = await request({ method: 'GET', path: `/v1/customers/${customerId}/timeline?__proto__=1&limit=5`, headers: as('support') });
    expect({ status: query.status, fields: query.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['__proto__'] });
    expect(await head()).toBe(before);
  });

  it('refuses query parameters named like methods every object has (toString, valueOf, hasOwnProperty…) like any unknown one, on every kind of query (found from outside: they were taken without a word)', async () => {
    const routes = [`/v1/tickets`, `/v1/customers?q=ada`, `/v1/customers/${customerId}`, `/v1/customers/${customerId}/timeline`, '/v1/segments', '/v1/analytics/kpis?from=2026-01-01&to=2026-01-31', '/v1/audit/log', `/v1/customers/${customerId}/loyalty/history`];
    for (const route of routes) {
      for (const name of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString']) {
        const path = `${route}${route.includes('?') ? '&' : '?'}${name}=1`;
        const response = await request({ method: 'GET', path, headers: as('admin') });
        expect({ path, status: response.status, errors: response.body?.errors }).toEqual({ path, status: 400, errors: [{ field: name, message: 'unknown field (not allowed)' }] });
      }
    }
    // Bodies too, alone and in a batch (a note with "toString" was recorded), at any depth.
    const before = await head();
    const note = { customerId, noteId: 'n-method', text: 'x', authorId: 'a', toString: 'x' };
    const alone = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest') }, body: JSON.stringify(note) });
    expect({ status: alone.status, fields: alone.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['toString'] });
    const batch = await request({ method: 'POST', path: '/v1/interactions/batch', headers: { ...json, ...as('ingest') }, body: JSON.stringify({ items: [{ type: 'note', ...note, valueOf: 1 }] }) });
    expect({ status: batch.status, fields: batch.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['items[0].toString', 'items[0].valueOf'] });
    const profile = await request({ method: 'POST', path: '/v1/customers', headers: { ...json, ...as('ingest') }, body: JSON.stringify({ customerId: 'c-method', profile: { firstName: 'A', hasOwnProperty: 'x' } }) });
    expect({ status: profile.status, fields: profile.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['profile.hasOwnProperty'] });
    expect(await head()).toBe(before);
  });

  it('refuses what JSON.parse would let by silently: a field written twice (the last would win) and a number too small to tell from 0 (read as 0), 400 naming each, nothing stored', async () => {
    const before = await head();
    const fieldsOf = async (path: string, body: string) => {
      const response = await request({ method: 'POST', path, headers: { ...json, ...as('ingest') }, body });
      return { status: response.status, fields: response.body.errors?.map((e: { field: string }) => e.field) };
    };
    // Found from outside: the note was recorded on the second customer, the purchase at 0.
    expect(await fieldsOf('/v1/interactions/notes', `{"customerId":"${customerId}","customerId":"c-other","noteId":"n-dup","text":"dup","authorId":"a1"}`)).toEqual({ status: 400, fields: ['customerId'] });
    expect(await fieldsOf('/v1/interactions/notes', `{"customerId":"${customerId}","\u0063ustomerId":"c-other","noteId":"n-dup","text":"dup","authorId":"a1"}`)).toEqual({ status: 400, fields: ['customerId'] });
    const line = (price: string) => `{"sku":"S","name":"n","category":"c","quantity":1,"unitPriceMinor":${price}}`;
    const purchase = (lines: string) => `{"customerId":"${customerId}","orderId":"o-tiny","channel":"web","currency":"EUR","lines":[${lines}]}`;
    expect(await fieldsOf('/v1/interactions/purchases', purchase(`${line('100')},${line('1e-400')}`))).toEqual({ status: 400, fields: ['lines[1].unitPriceMinor'] });
    expect(await fieldsOf('/v1/interactions/purchases', purchase(line(`0.${'0'.repeat(400)}1`)))).toEqual({ status: 400, fields: ['lines[0].unitPriceMinor'] });
    expect(await fieldsOf('/v1/interactions/batch', `{"items":[{"type":"call","customerId":"${customerId}","callId":"k-tiny","direction":"inbound","durationSeconds":-1e-400,"outcome":"resolved"},{"type":"note","customerId":"${customerId}","noteId":"n-d2","noteId":"n-d3","text":"x","authorId":"a"}]}`)).toEqual({ status: 400, fields: ['items[0].durationSeconds', 'items[1].noteId'] });
    expect(await head()).toBe(before);
    // Zero written as zero in any form, and a text that only looks like a tiny number, are fine.
    const zero = await fieldsOf('/v1/interactions/purchases', purchase(`${line('0e-400')},${line('0.000')}`).replace('"category":"c"', '"category":"1e-400"'));
    expect(zero).toEqual({ status: 201, fields: undefined });
  });

  it('refuses a query parameter given with an empty value (400 naming it) and one with an empty name (400 saying so), on every kind of query', async () => {
    const fields = async (path: string, role: keyof typeof KEYS = 'support') => {
      const response = await request({ method: 'GET', path, headers: as(role) });
      return { status: response.status, fields: response.body?.errors?.map((e: { field: string }) => e.field), messages: response.body?.errors?.map((e: { message: string }) => e.message) };
    };
    for (const [path, field, role] of [
      [`/v1/customers/${customerId}/timeline?minPosition=`, 'minPosition', 'support'],
      [`/v1/customers/${customerId}/timeline?limit=5&cursor=`, 'cursor', 'support'],
      [`/v1/customers/${customerId}?minPosition=`, 'minPosition', 'support'],
      [`/v1/customers/${customerId}/loyalty/history?cursor=`, 'cursor', 'support'],
      [`/v1/customers/${customerId}/tickets?cursor`, 'cursor', 'support'],
      ['/v1/audit/log?type=CallLogged&type=', 'type', 'admin'],
      ['/v1/audit/access-log?cursor=', 'cursor', 'admin'],
    ] as const) {
      expect({ path, ...(await fields(path, role)) }).toEqual({ path, status: 400, fields: [field], messages: [`${field} must not be empty: give a value or leave the parameter out`] });
    }
    expect(await fields(`/v1/customers/${customerId}/timeline?=1`)).toEqual({ status: 400, fields: [''], messages: ['a field or parameter must have a name (an empty name is not allowed)'] });
    // A route that takes no query parameter says the same of an empty name.
    const command = await request({ method: 'POST', path: '/v1/interactions/notes?=1', headers: { ...json, ...as('support') }, body: note('n-empty-name') });
    expect({ status: command.status, errors: command.body.errors }).toEqual({ status: 400, errors: [{ field: '', message: 'a field or parameter must have a name (an empty name is not allowed)' }] });
    expect((await fields(`/v1/customers/${customerId}/timeline?minPosition=0&limit=5`)).status).toBe(200);
  });

  // Found from outside: `?limit=1&limit=2` was answered "limit must not be greater than 100, must not
  // be less than 1, must be an integer", about a list the client never meant to send.
  it('refuses a single-valued query parameter sent more than once (400 naming it, saying so); a list parameter may repeat', async () => {
    const fields = async (path: string, role: keyof typeof KEYS = 'support') => {
      const response = await request({ method: 'GET', path, headers: as(role) });
      return { status: response.status, errors: response.body?.errors };
    };
    for (const [path, field, role] of [
      [`/v1/customers/${customerId}/timeline?limit=1&limit=2`, 'limit', 'support'],
      [`/v1/customers/${customerId}?minPosition=1&minPosition=1`, 'minPosition', 'support'],
      ['/v1/customers?email=a@example.com&email=b@example.com', 'email', 'support'],
      ['/v1/analytics/kpis?from=2026-11-01&from=2026-11-02&to=2026-11-30', 'from', 'analyst'],
      ['/v1/audit/access-log?limit=5&limit=5', 'limit', 'admin'],
    ] as const) {
      expect({ path, ...(await fields(path, role)) }).toEqual({ path, status: 400, errors: [{ field, message: `${field} is sent more than once: send it once` }] });
    }
    expect((await fields('/v1/audit/log?type=CallLogged&type=NoteAdded', 'admin')).status).toBe(200);
  });

  // Found from outside: `limit=0x10`, `limit=1e1` and `limit=%2010` were read by Number() as 16 and 10.
  it('reads a whole-number query parameter only from decimal digits, and only as many as a number holds: hex, exponents, spaces, signs and 20 digits are a 400 naming it', async () => {
    for (const limit of ['0x10', '1e1', '%2010', '%2B10', '10.0']) {
      const response = await request({ method: 'GET', path: `/v1/customers/${customerId}/timeline?limit=${limit}`, headers: as('support') });
      expect({ limit, status: response.status, fields: response.body?.errors?.map((e: { field: string }) => e.field) }).toEqual({ limit, status: 400, fields: ['limit'] });
    }
    expect((await request({ method: 'GET', path: `/v1/customers/${customerId}/timeline?limit=10`, headers: as('support') })).status).toBe(200);
    // Digits beyond what a number holds exactly: 1e20 passed as a whole number, and a read waited for a position no log reaches.
    for (const path of [`/v1/customers/${customerId}?minPosition=99999999999999999999`, '/v1/tickets?minPosition=9007199254740993']) {
      const response = await request({ method: 'GET', path, headers: as('support') });
      expect({ path, status: response.status, fields: response.body?.errors?.map((e: { field: string }) => e.field) }).toEqual({ path, status: 400, fields: ['minPosition'] });
    }
  });

  it('refuses a tampered cursor on every paged route (400 naming cursor), and still follows the cursors it returned', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const noteId of ['n-page-1', 'n-page-2']) {
      expect((await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('support') }, body: note(noteId) })).status).toBe(201);
    }
    expect((await request({ method: 'POST', path: '/v1/segments', headers: { ...json, ...as('analyst') }, body: JSON.stringify({ segmentId: 'seg-edge', name: 'Edge', rule: { field: 'country', op: 'eq', value: 'GB' } }) })).status).toBe(201);
    const refused = async (path: string, role: keyof typeof KEYS = 'admin') => {
      const response = await request({ method: 'GET', path, headers: as(role) });
      return { path, status: response.status, errors: response.body?.errors };
    };
    const tampered = [b64(['x', 'y']), b64(['2026-13-45T99:00:00Z', 'x']), b64(['2026-02-30T10:00:00.000Z', '5f0c2a44-2b1e-4c8e-9a57-0b9f6b1d2e3f']), b64([-1]), b64(['c 1']), b64({}), 'not-a-cursor'];
    for (const cursor of tampered) {
      for (const route of [`/v1/customers/${customerId}/timeline`, `/v1/audit/customers/${customerId}/timeline`, `/v1/customers/${customerId}/loyalty/history`, '/v1/segments/seg-edge/members', '/v1/audit/access-log', '/v1/tickets', `/v1/customers/${customerId}/tickets`]) {
        const path = `${route}?cursor=${cursor}`;
        expect(await refused(path)).toEqual({ path, status: 400, errors: [{ field: 'cursor', message: 'cursor is not one this API returned' }] });
      }
    }
    const minPosition = await head();
    const first = await support.get(`/v1/customers/${customerId}/timeline?limit=1&minPosition=${minPosition}`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await support.get(`/v1/customers/${customerId}/timeline?limit=1&cursor=${first.body.nextCursor}`);
    expect({ status: second.status, items: second.body.items.length }).toEqual({ status: 200, items: 1 });
    expect(second.body.items[0].eventId).not.toBe(first.body.items[0].eventId);
  });

  it('weighs Accept as HTTP says: 406 naming Accept where it takes nothing the API answers in (text/csv got JSON), NDJSON only where preferred to JSON (q=0 was ignored)', async () => {
    const asked = async (path: string, accept: string, role: keyof typeof KEYS = 'admin') => {
      const response = await request({ method: 'GET', path, headers: { ...as(role), Accept: accept } });
      return { path, accept, status: response.status, type: String(response.headers['content-type']).split(';')[0], fields: response.body?.errors?.map((e: { field: string }) => e.field) };
    };
    for (const accept of ['text/csv', 'application/xml, text/plain;q=0.5', 'application/json;q=0']) {
      for (const path of [`/v1/customers/${customerId}`, '/v1/audit/log', '/v1/tickets']) {
        expect(await asked(path, accept)).toEqual({ path, accept, status: 406, type: 'application/problem+json', fields: ['Accept'] });
      }
    }
    // Refused before it ran: a command with such an Accept records nothing.
    const before = await head();
    const command = await request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('support'), Accept: 'text/csv' }, body: note('n-accept-csv') });
    expect({ status: command.status, head: await head() }).toEqual({ status: 406, head: before });
    // An unknown path is still a 404, whatever it accepts; the CSV export takes text/csv, and refuses JSON only.
    expect((await asked('/v1/no-such-route', 'text/csv')).status).toBe(404);
    const csv = await asked('/v1/analytics/customers.csv', 'text/csv', 'analyst');
    expect({ status: csv.status, type: csv.type }).toEqual({ status: 200, type: 'text/csv' });
    expect(await asked('/v1/analytics/customers.csv', 'application/json', 'analyst')).toEqual({ path: '/v1/analytics/customers.csv', accept: 'application/json', status: 406, type: 'application/problem+json', fields: ['Accept'] });
    for (const [accept, type] of [
      ['application/x-ndjson', 'application/x-ndjson'],
      ['application/x-ndjson; charset=utf-8', 'application/x-ndjson'],
      ['application/x-ndjson;q=0, application/json', 'application/json'],
      ['application/json, application/x-ndjson;q=0.9', 'application/json'],
      ['text/csv, application/json;q=0.1', 'application/json'],
      ['*/*', 'application/json'],
    ] as const) {
      expect(await asked('/v1/audit/log?limit=1', accept)).toEqual({ path: '/v1/audit/log?limit=1', accept, status: 200, type, fields: undefined });
    }
  });

  it('refuses an unknown event type in the audit log filter and the audit timeline (400 naming type or kind), and takes the known ones', async () => {
    const get = async (path: string) => {
      const response = await request({ method: 'GET', path, headers: as('admin') });
      return { status: response.status, fields: response.body?.errors?.map((e: { field: string }) => e.field), message: response.body?.errors?.[0]?.message };
    };
    expect(await get('/v1/audit/log?type=Bogus')).toEqual({ status: 400, fields: ['type'], message: expect.stringContaining('type names no known event type: Bogus (known: ') });
    expect(await get('/v1/audit/log?type=CallLogged,calllogged')).toEqual({ status: 400, fields: ['type'], message: expect.stringContaining('no known event type: calllogged (') });
    expect(await get(`/v1/audit/customers/${customerId}/timeline?kind=Bogus`)).toMatchObject({ status: 400, fields: ['kind'] });
    expect(await get(`/v1/customers/${customerId}/timeline?kind=Bogus`)).toMatchObject({ status: 400, fields: ['kind'] });
    const known = await request({ method: 'GET', path: '/v1/audit/log?type=TicketOpened&type=PointsEarned,CustomerEnteredSegment,SegmentDefined', headers: as('admin') });
    expect(known.status).toBe(200);
    expect(known.body.items.map((e: { type: string }) => e.type)).toContain('TicketOpened');
    expect(known.body.items.filter((e: { type: string }) => !['TicketOpened', 'PointsEarned', 'CustomerEnteredSegment', 'SegmentDefined'].includes(e.type))).toEqual([]);
  });

  it('never answers a malformed body with a 5xx, on any route of the API that takes one', async () => {
    const before = await head();
    const document = (await new ApiClient(chronicle.url).get('/docs/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).filter(([, operation]) => operation.requestBody !== undefined).map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x-1') })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const malformed: { name: string; headers: Record<string, string>; body?: string | Buffer }[] = [
      { name: 'text/plain', headers: { 'Content-Type': 'text/plain' }, body: '{}' },
      { name: 'no body', headers: {} },
      { name: 'not JSON', headers: json, body: '{"a":' },
      { name: 'deep', headers: json, body: `{"a":${'['.repeat(3000)}${']'.repeat(3000)}}` },
      { name: 'prototype', headers: json, body: '{"__proto__":{"x":1}}' },
      { name: 'gzip that is not', headers: { ...json, 'Content-Encoding': 'gzip' }, body: '{}' },
      { name: 'unknown coding', headers: { ...json, 'Content-Encoding': 'zstd' }, body: '{}' },
      { name: 'not UTF-8', headers: json, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
    ];
    const answers: { route: string; input: string; status: number }[] = [];
    for (const route of routes) {
      for (const input of malformed) {
        const answer = await request({ method: route.method, path: route.path, headers: { ...input.headers, ...as('admin') }, ...(input.body !== undefined ? { body: input.body } : {}) });
        answers.push({ route: `${route.method} ${route.path}`, input: input.name, status: answer.status });
        expect(answer.headers['content-type']).toContain('application/problem+json');
      }
    }
    expect(answers.filter((answer) => ![400, 415].includes(answer.status))).toEqual([]);
    expect(await head()).toBe(before);
  });

  describe('a refusal names the header, query parameter or id at fault in errors[]', () => {
    const post = (headers: Record<string, string | readonly string[]>) =>
      request({ method: 'POST', path: '/v1/interactions/notes', headers: { ...json, ...as('ingest'), ...headers }, body: note(`n-header-${Math.random()}`) });
    const named = (response: RawResponse) => ({
      status: response.status, code: response.body?.code, fields: response.body?.errors?.map((error: { field: string }) => error.field),
    });

    it.each([
      ['Idempotency-Key with a space', { 'Idempotency-Key': 'a b' }, 'Idempotency-Key'],
      ['an empty Idempotency-Key', { 'Idempotency-Key': '' }, 'Idempotency-Key'],
      ['an Idempotency-Key of 201 characters', { 'Idempotency-Key': 'k'.repeat(201) }, 'Idempotency-Key'],
      ['X-Correlation-Id with a space', { 'X-Correlation-Id': 'a b' }, 'X-Correlation-Id'],
      ['X-Causation-Id with a space', { 'X-Causation-Id': 'a b' }, 'X-Causation-Id'],
      ['X-Actor-Id with a space', { 'X-Actor-Id': 'a b' }, 'X-Actor-Id'],
      ['X-Source of 201 characters', { 'X-Source': 's'.repeat(201) }, 'X-Source'],
    ])('%s: 400 VALIDATION naming it, nothing stored', async (_name, headers, field) => {
      const before = await head();
      expect(named(await post(headers))).toEqual({ status: 400, code: 'VALIDATION', fields: [field] });
      expect(await head()).toBe(before);
    });

    it('says a header sent twice was sent twice, not that it is malformed', async () => {
      for (const field of ['Idempotency-Key', 'X-Correlation-Id']) {
        const twice = await post({ [field]: ['key-1', 'key-2'] });
        expect(named(twice)).toEqual({ status: 400, code: 'VALIDATION', fields: [field] });
        expect(twice.body.detail).toBe(`Header ${field} was sent more than once; send it once`);
      }
      // The same value twice is still two headers.
      expect(named(await post({ 'Idempotency-Key': ['key-3', 'key-3'] }))).toEqual({ status: 400, code: 'VALIDATION', fields: ['Idempotency-Key'] });
    });

    it('names the search criteria when none or several are given', async () => {
      const none = await request({ method: 'GET', path: '/v1/customers', headers: as('support') });
      expect(named(none)).toEqual({ status: 400, code: 'VALIDATION', fields: ['email', 'phone', 'name', 'externalId', 'id', 'q'] });
      const two = await request({ method: 'GET', path: '/v1/customers?email=a%40example.com&name=Ed', headers: as('support') });
      expect(named(two)).toEqual({ status: 400, code: 'VALIDATION', fields: ['email', 'name'] });
    });

    // Found from outside: a query string with raw UTF-8 (as curl sends `?name=zébulon`) and headers
    // too large got Fastify's own `{"error":"Bad Request","message":"Client Error"}`, no problem document.
    it('answers a request Node cannot parse with a problem document too', async () => {
      const url = new URL(chronicle.url);
      const rawAnswer = (head: Buffer): Promise<{ status: number; type: string | undefined; body: { status?: number; code?: string; detail?: string } }> =>
        new Promise((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => socket.write(head));
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.on('error', reject);
          socket.on('close', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const [headers, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
            resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), type: /content-type: ([^\r]+)/i.exec(headers)?.[1], body: JSON.parse(body) as never });
          });
        });
      const utf8 = await rawAnswer(Buffer.concat([Buffer.from('GET /v1/customers?name='), Buffer.from('zébulon', 'utf8'), Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.support}\r\n\r\n`)]));
      expect(utf8).toEqual({ status: 400, type: 'application/problem+json; charset=utf-8', body: expect.objectContaining({ status: 400, code: 'MALFORMED_REQUEST', detail: expect.stringContaining('must be percent-encoded') }) });
      const huge = await rawAnswer(Buffer.from(`GET /v1/customers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      expect(huge).toEqual({ status: 431, type: 'application/problem+json; charset=utf-8', body: expect.objectContaining({ status: 431, code: 'MALFORMED_REQUEST' }) });
      // Percent-encoded, the same search is taken.
      expect((await request({ method: 'GET', path: `/v1/customers?name=${encodeURIComponent('zébulon')}`, headers: as('support') })).status).toBe(200);
    });

    it('names Last-Event-ID on the live routes when it is no position', async () => {
      for (const path of [`/v1/customers/${customerId}/live`, '/v1/live/tickets']) {
        const answer = await request({ method: 'GET', path, headers: { ...as('support'), 'Last-Event-ID': 'abc' } });
        expect({ path, ...named(answer) }).toEqual({ path, status: 400, code: 'VALIDATION', fields: ['Last-Event-ID'] });
      }
    });

    it('answers every live route with one Cache-Control and no made-up header (there were two, and `Expire: 0`)', async () => {
      // Every route the document says answers with server-sent events.
      const document = (await support.get('/docs/openapi.json')).body as { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };
      const live = Object.entries(document.paths)
        .filter(([, operations]) => operations.get?.responses?.['200']?.content?.['text/event-stream'] !== undefined)
        .map(([path]) => path.replace('{customerId}', customerId));
      expect(live).toEqual([`/v1/customers/${customerId}/live`, '/v1/live/tickets']);
      for (const path of live) {
        const stream = await openSse(`${chronicle.url}${path}`, as('support'));
        try {
          const head = { path, status: stream.status, type: stream.headers.get('content-type'), cacheControl: stream.headers.get('cache-control'), expire: stream.headers.get('expire') };
          // Two Cache-Control lines would read here as one value joined by ", ".
          expect(head).toEqual({ path, status: 200, type: 'text/event-stream', cacheControl: 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform', expire: null });
        } finally {
          stream.close();
        }
      }
    });

    it('names the ticket of an INVALID_STATE 409: a reply on a closed ticket', async () => {
      const open = await request({ method: 'POST', path: '/v1/tickets', headers: { ...json, ...as('support') }, body: JSON.stringify({ customerId, ticketId: 't-shut', subject: 'Shut', channel: 'email', priority: 'low' }) });
      expect(open.status).toBe(201);
      expect((await request({ method: 'POST', path: '/v1/tickets/t-shut/close', headers: { ...json, ...as('support') }, body: '{}' })).status).toBe(200);
      const reply = await request({ method: 'POST', path: '/v1/tickets/t-shut/replies', headers: { ...json, ...as('support') }, body: JSON.stringify({ author: 'agent', authorId: 'agent-1', body: 'Hello?' }) });
      expect(named(reply)).toEqual({ status: 409, code: 'INVALID_STATE', fields: ['ticketId'] });
    });
  });
});
