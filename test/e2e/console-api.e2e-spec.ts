// The server side of the support console over real HTTP on the embedded default: console sessions
// (cookie, CSRF, expiry, sign-out), who is calling, tickets as conversations and the work queue,
// live streams resumed with Last-Event-ID, search as an agent types, every answer in /metrics, and
// no API answer kept by a cache. Time is a FixedClock, so expiry and SLA windows are exact.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { ApiKeyRegistry } from '@app/platform';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { openSse } from '../support/sse-client';

jest.setTimeout(120_000);

const NOW = new Date('2026-11-20T09:00:00Z');
const MINUTE = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

describe('Console server support on the embedded default', () => {
  let dataDir: string;
  let keyFile: string;
  let chronicle: RunningChronicle;
  const clock = new FixedClock(NOW);
  const keys = { ada: '', grace: '', ingest: '', analyst: '' };
  let ingest: ApiClient;
  let ada: ApiClient;
  let adaId: string;
  let graceId: string;

  /** A request with exactly the headers given (a cookie, a CSRF token), answered as JSON. */
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> => {
    const response = await fetch(chronicle.url + path, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const sessionCookieOf = (answer: Answer): string | undefined => answer.headers.getSetCookie().find((c) => c.startsWith('chronicle_session='));
  const cookieHeader = (setCookie: string) => setCookie.split(';')[0];
  const signIn = async (key: string) => {
    const answer = await call('POST', '/v1/session', { Authorization: `Bearer ${key}` });
    expect(answer.status).toBe(201);
    const cookie = cookieHeader(sessionCookieOf(answer) as string);
    return { cookie, csrf: answer.body.session.csrfToken as string, answer };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-console-api-'));
    keyFile = join(dataDir, 'api-keys.json');
    keys.ada = ApiKeyRegistry.addToFile(keyFile, 'support', 'Ada Lovelace', NOW);
    keys.grace = ApiKeyRegistry.addToFile(keyFile, 'support', 'Grace Hopper', NOW);
    keys.ingest = ApiKeyRegistry.addToFile(keyFile, 'ingest', 'Helpdesk', NOW);
    keys.analyst = ApiKeyRegistry.addToFile(keyFile, 'analyst', 'Reports', NOW);
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS_FILE: keyFile }, { clock, announce: () => undefined });
    ingest = new ApiClient(chronicle.url, keys.ingest);
    ada = new ApiClient(chronicle.url, keys.ada);
    adaId = (await ada.get('/v1/me')).body.id;
    graceId = (await new ApiClient(chronicle.url, keys.grace).get('/v1/me')).body.id;
    const registered = await ingest.post('/v1/customers/batch', { items: [
      { customerId: 'c-ada', externalId: 'shop-1815', profile: { firstName: 'Ada', lastName: 'Byron', email: 'ada.byron@example.com', phone: '+447000007919' } },
      ...Array.from({ length: 12 }, (_, i) => ({ customerId: `c-smith-${i}`, profile: { firstName: `Sam${i}`, lastName: 'Smith' } })),
    ] });
    expect(registered.body.accepted).toBe(13);
    // The searches read the lookup the projector writes with the 360 view: wait until it has the batch,
    // so a search test run alone (not after the others) does not race the projector.
    const position = Math.max(...registered.body.results.map((result: { outcome: { position: number } }) => result.outcome.position));
    expect((await ada.get(`/v1/customers/c-ada?minPosition=${position}`)).headers['x-chronicle-consistent']).toBe('true');
  });

  afterAll(async () => {
    await chronicle?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('who is calling', () => {
    it('answers the identity of a key: its id, its label as the name, its roles', async () => {
      const me = await ada.get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ id: adaId, name: 'Ada Lovelace', roles: ['support'], via: 'apiKey' });
      expect((await new ApiClient(chronicle.url).get('/v1/me')).status).toBe(401);
    });

    it('lists the agents (support keys) by name, for assigning work', async () => {
      const agents = await ada.get('/v1/agents');
      expect(agents.body.items).toEqual([{ id: adaId, name: 'Ada Lovelace' }, { id: graceId, name: 'Grace Hopper' }]);
      expect((await new ApiClient(chronicle.url, keys.ingest).get('/v1/agents')).status).toBe(403);
    });
  });

  describe('console sessions', () => {
    it('trade an agent\'s key for an HttpOnly, SameSite=Strict browser-session cookie that stands for the key', async () => {
      const { cookie, answer } = await signIn(keys.ada);
      const setCookie = sessionCookieOf(answer) as string;
      expect(setCookie).toMatch(/; HttpOnly/i);
      expect(setCookie).toMatch(/; SameSite=Strict/i);
      expect(setCookie).toMatch(/; Path=\//i);
      // Ends with the browser session, and Secure only over TLS (this is plain HTTP on the loopback).
      expect(setCookie).not.toMatch(/Expires=|Max-Age=|; Secure/i);
      expect(answer.body).toMatchObject({ id: adaId, name: 'Ada Lovelace', roles: ['support'], via: 'session' });
      expect(answer.body.session).toEqual({ expiresAt: '2026-11-20T21:00:00.000Z', idleExpiresAt: '2026-11-20T09:30:00.000Z', csrfToken: expect.any(String) });
      const me = await call('GET', '/v1/me', { Cookie: cookie });
      expect(me.body).toMatchObject({ id: adaId, name: 'Ada Lovelace', via: 'session', session: { csrfToken: answer.body.session.csrfToken } });
    });

    it('record the agent as the actor of what they do, and refuse a change without the CSRF token', async () => {
      const { cookie, csrf } = await signIn(keys.ada);
      const note = { customerId: 'c-ada', noteId: 'session-note-1', text: 'Called back about the invoice', authorId: adaId };
      const refused = await call('POST', '/v1/interactions/notes', { Cookie: cookie }, note);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'CSRF_TOKEN', errors: [{ field: 'X-CSRF-Token' }] });
      expect((await call('POST', '/v1/interactions/notes', { Cookie: cookie, 'X-CSRF-Token': `${csrf}x` }, note)).status).toBe(403);
      const recorded = await call('POST', '/v1/interactions/notes', { Cookie: cookie, 'X-CSRF-Token': csrf }, note);
      expect(recorded.status).toBe(201);
      const timeline = await ada.get(`/v1/customers/c-ada/timeline?minPosition=${recorded.body.position}`);
      expect(timeline.body.items.find((row: { eventId: string }) => row.eventId === recorded.body.eventIds[0]).actor).toEqual({ type: 'agent', id: adaId, name: 'Ada Lovelace', role: 'support' });
    });

    it('are for agents: another role cannot open one, and a session cannot open another', async () => {
      expect((await call('POST', '/v1/session', { Authorization: `Bearer ${keys.analyst}` })).status).toBe(403);
      const { cookie, csrf } = await signIn(keys.ada);
      const again = await call('POST', '/v1/session', { Cookie: cookie, 'X-CSRF-Token': csrf });
      expect(again.status).toBe(403);
      expect(again.body.code).toBe('KEY_REQUIRED');
    });

    it('end after SESSION_IDLE_MINUTES without a request; each request renews the idle timer', async () => {
      const { cookie } = await signIn(keys.ada);
      clock.advance(20 * MINUTE);
      const active = await call('GET', '/v1/me', { Cookie: cookie });
      expect(active.status).toBe(200);
      const renewed = cookieHeader(sessionCookieOf(active) as string);
      clock.advance(20 * MINUTE);
      // 40 minutes since sign-in, 20 since the last request: the renewed cookie lives, the first one ended.
      expect((await call('GET', '/v1/me', { Cookie: renewed })).status).toBe(200);
      const ended = await call('GET', '/v1/me', { Cookie: cookie });
      expect(ended.status).toBe(401);
      expect(ended.body).toMatchObject({ code: 'SESSION_ENDED', detail: expect.stringContaining('without activity') });
      expect(sessionCookieOf(ended)).toMatch(/chronicle_session=;.*Expires=Thu, 01 Jan 1970/);
    });

    it('are not kept alive by requests the page makes on its own (X-Chronicle-Background: 1): answered, but no activity (found from outside: an open work queue, re-read every minute, never let the session end)', async () => {
      const { cookie } = await signIn(keys.ada);
      for (let minute = 5; minute <= 25; minute += 5) {
        clock.advance(5 * MINUTE);
        const background = await call('GET', '/v1/tickets?assignee=me', { Cookie: cookie, 'X-Chronicle-Background': '1' });
        expect({ minute, status: background.status, renewed: sessionCookieOf(background) }).toEqual({ minute, status: 200, renewed: undefined });
      }
      clock.advance(6 * MINUTE);
      // 31 minutes since the agent's last own request: over, however often the page asked meanwhile.
      const ended = await call('GET', '/v1/tickets?assignee=me', { Cookie: cookie, 'X-Chronicle-Background': '1' });
      expect({ status: ended.status, code: ended.body.code }).toEqual({ status: 401, code: 'SESSION_ENDED' });
    });

    it('end SESSION_MAX_HOURS after sign-in however active the agent is', async () => {
      let { cookie } = await signIn(keys.ada);
      for (let i = 0; i < 12 * 3 - 1; i++) {
        clock.advance(20 * MINUTE);
        const answer = await call('GET', '/v1/me', { Cookie: cookie });
        expect(answer.status).toBe(200);
        cookie = cookieHeader(sessionCookieOf(answer) as string);
      }
      clock.advance(20 * MINUTE);
      const ended = await call('GET', '/v1/me', { Cookie: cookie });
      expect(ended.status).toBe(401);
      expect(ended.body.detail).toContain('time limit');
    });

    it('end at sign-out: the cookie is cleared, and a copy of it no longer works', async () => {
      const { cookie, csrf } = await signIn(keys.ada);
      expect((await call('DELETE', '/v1/session', { Cookie: cookie })).status).toBe(403);
      const out = await call('DELETE', '/v1/session', { Cookie: cookie, 'X-CSRF-Token': csrf });
      expect(out.status).toBe(204);
      expect(sessionCookieOf(out)).toMatch(/chronicle_session=;/);
      const after = await call('GET', '/v1/me', { Cookie: cookie });
      expect(after.status).toBe(401);
      expect(after.body.detail).toContain('signed out');
    });

    it('end when their key is revoked, and refuse a cookie this server did not sign', async () => {
      const extra = ApiKeyRegistry.addToFile(keyFile, 'support', 'Temporary agent', clock.now());
      const { cookie } = await signIn(extra);
      expect((await call('GET', '/v1/me', { Cookie: cookie })).status).toBe(200);
      const file = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { label: string }[] };
      writeFileSync(keyFile, JSON.stringify({ keys: file.keys.filter((k) => k.label !== 'Temporary agent') }));
      const revoked = await call('GET', '/v1/me', { Cookie: cookie });
      expect(revoked.status).toBe(401);
      expect(revoked.body.detail).toContain('revoked');
      const [name, value] = cookie.split('=');
      const forged = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await call('GET', '/v1/me', { Cookie: forged })).body.detail).toContain('not one this server issued');
    });

    it('give way to a key header sent beside the cookie', async () => {
      const { cookie } = await signIn(keys.ada);
      const me = await call('GET', '/v1/me', { Cookie: cookie, Authorization: `Bearer ${keys.grace}` });
      expect(me.body).toMatchObject({ name: 'Grace Hopper', via: 'apiKey' });
    });
  });

  it('keeps API answers out of every cache, refusals included', async () => {
    for (const answer of [await ada.get('/v1/customers/c-ada'), await ada.get('/v1/customers/c-ada/timeline'), await new ApiClient(chronicle.url).get('/v1/customers/c-ada')]) {
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  describe('tickets as conversations', () => {
    let ticketPosition = 0;

    beforeAll(async () => {
      // A new day (the session tests moved the clock on); three open tickets, five minutes apart.
      clock.set(new Date('2026-11-22T09:00:00Z'));
      const open = async (ticketId: string, priority: string, subject: string) => {
        const answer = await ingest.post('/v1/tickets', { customerId: 'c-ada', ticketId, subject, channel: 'email', priority });
        expect(answer.status).toBe(201);
        clock.advance(5 * MINUTE);
        return answer.body.position as number;
      };
      await open('t-low', 'low', 'Catalogue request');
      await open('t-urgent', 'urgent', 'Card charged twice');
      ticketPosition = await open('t-normal', 'normal', 'Parcel arrived damaged');
    });

    it('answer with the thread: customer messages and agent replies, internal notes apart, each with who recorded it', async () => {
      const { cookie, csrf } = await signIn(keys.ada);
      const headers = { Cookie: cookie, 'X-CSRF-Token': csrf };
      expect((await ingest.post('/v1/tickets/t-normal/replies', { author: 'customer', body: 'The box was crushed.\nPhotos attached.' })).status).toBe(201);
      expect((await call('POST', '/v1/tickets/t-normal/assign', headers, { agentId: adaId })).status).toBe(200);
      const note = await call('POST', '/v1/tickets/t-normal/notes', headers, { body: 'Carrier claim opened: CL-77' });
      expect(note.status).toBe(201);
      expect((await call('POST', '/v1/tickets/t-normal/replies', headers, { author: 'agent', body: 'We are sending a new one today.' })).status).toBe(201);
      const priority = await call('POST', '/v1/tickets/t-normal/priority', headers, { priority: 'high' });
      expect(priority.status).toBe(200);
      ticketPosition = priority.body.position;

      const ticket = (await ada.get(`/v1/tickets/t-normal?minPosition=${ticketPosition}`)).body;
      const agent = { type: 'agent', id: adaId, name: 'Ada Lovelace' };
      expect(ticket.replies).toEqual([
        expect.objectContaining({ author: 'customer', body: 'The box was crushed.\nPhotos attached.', actor: { type: 'service', id: expect.any(String), name: 'Helpdesk' } }),
        expect.objectContaining({ author: 'agent', body: 'We are sending a new one today.', actor: agent }),
      ]);
      expect(ticket.notes).toEqual([expect.objectContaining({ body: 'Carrier claim opened: CL-77', actor: agent })]);
      expect(ticket.activity.map((step: { kind: string; detail: string | null }) => [step.kind, step.detail])).toEqual([['opened', null], ['assigned', adaId], ['priorityChanged', 'normal → high']]);
      expect(ticket).toMatchObject({
        priority: 'high', assigneeId: adaId, customerName: 'Ada Byron', noteCount: 1, replyCount: 2,
        // A default policy follows the priority: high is 2 h / 24 h from the opening (09:10).
        sla: { name: 'default-high' }, firstResponseDueAt: '2026-11-22T11:10:00.000Z', resolutionDueAt: '2026-11-23T09:10:00.000Z',
      });
      const refused = await call('POST', '/v1/tickets/t-normal/notes', headers, { body: '  ' });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].field).toBe('body');
    });

    it('queue by urgency: mine, unassigned, due soon; with totals, the customer\'s name and who the ticket waits on', async () => {
      const queue = async (query: string) => (await ada.get(`/v1/tickets?${query}&minPosition=${ticketPosition}`)).body;
      const mine = await queue('assignee=me');
      expect(mine.items.map((t: { ticketId: string }) => t.ticketId)).toEqual(['t-normal']);
      expect(mine.items[0]).toMatchObject({ customerName: 'Ada Byron', waitingOn: 'customer', nextDueAt: '2026-11-23T09:10:00.000Z' });
      expect(mine.items[0].replies).toBeUndefined();
      const unassigned = await queue('assignee=none');
      // Urgent (first response due 09:35) before low (due the next day 09:00).
      expect(unassigned.items.map((t: { ticketId: string }) => t.ticketId)).toEqual(['t-urgent', 't-low']);
      expect(unassigned.total).toBe(2);
      expect((await queue('assignee=none&limit=1')).total).toBe(2);
      expect((await queue(`assignee=${graceId}`)).items).toEqual([]);
      // 09:15 now; within the hour: the urgent ticket only. Two hours on it is overdue, and still listed first.
      expect((await queue('dueWithinMinutes=60')).items.map((t: { ticketId: string }) => t.ticketId)).toEqual(['t-urgent']);
      clock.advance(120 * MINUTE);
      const due = await queue('dueWithinMinutes=60');
      expect(due.items.map((t: { ticketId: string; firstResponseSla: string }) => [t.ticketId, t.firstResponseSla])).toEqual([['t-urgent', 'overdue']]);
      expect((await ada.get('/v1/tickets?assignee=not%20an%20id')).status).toBe(400);
      // The queue's words are no agent ids (found from outside: a ticket assigned to "none" was in no list).
      for (const agentId of ['none', 'me']) {
        const refused = await ingest.post('/v1/tickets/t-low/assign', { agentId });
        expect({ status: refused.status, fields: refused.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['agentId'] });
      }
      expect((await queue('assignee=none')).items.map((t: { ticketId: string }) => t.ticketId)).toContain('t-low');
    });
  });

  describe('live streams', () => {
    it('replay to a reconnecting client what it missed after its Last-Event-ID, then go on live', async () => {
      const first = await ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId: 'live-1', text: 'Seen live', authorId: 'shop-bot' });
      const lastSeen = first.body.position as number;
      // The client is away while two more interactions are recorded.
      const missed = [
        await ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId: 'live-2', text: 'Missed one', authorId: 'shop-bot' }),
        await ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId: 'live-3', text: 'Missed two', authorId: 'shop-bot' }),
      ];
      await ada.get(`/v1/customers/c-ada?minPosition=${missed[1].body.position}`);
      const stream = await openSse(`${chronicle.url}/v1/customers/c-ada/live`, { Authorization: `Bearer ${keys.ada}`, 'Last-Event-ID': String(lastSeen) });
      try {
        expect(stream.status).toBe(200);
        for (const answer of missed) await stream.next((m) => m.event === 'applied' && m.lastEventId === String(answer.body.position));
        const later = await ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId: 'live-4', text: 'After the reconnect', authorId: 'shop-bot' });
        await stream.next((m) => m.event === 'applied' && m.lastEventId === String(later.body.position));
        const positions = stream.messages.filter((m) => m.event === 'applied').map((m) => Number(m.lastEventId));
        expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));
        expect(positions[0]).toBeGreaterThan(lastSeen);
      } finally {
        stream.close();
      }
      expect((await ada.get('/v1/customers/c-ada/live', { 'Last-Event-ID': 'yesterday' })).status).toBe(400);
    });

    it('tell queue watchers every ticket change, and replay the ones they missed', async () => {
      const before = (await ingest.post('/v1/tickets/t-low/replies', { author: 'customer', body: 'Any news?' })).body.position as number;
      const missed = await ingest.post('/v1/tickets/t-urgent/assign', { agentId: graceId });
      await ada.get(`/v1/tickets/t-urgent?minPosition=${missed.body.position}`);
      const stream = await openSse(`${chronicle.url}/v1/live/tickets`, { Authorization: `Bearer ${keys.ada}`, 'Last-Event-ID': String(before) });
      try {
        const replayed = await stream.next((m) => m.event === 'changed');
        expect(JSON.parse(replayed.data)).toMatchObject({ ticketId: 't-urgent', customerId: 'c-ada', position: missed.body.position });
        const live = await ingest.post('/v1/tickets/t-low/priority', { priority: 'urgent' });
        const change = await stream.next((m) => m.event === 'changed' && m.lastEventId === String(live.body.position));
        expect(JSON.parse(change.data)).toMatchObject({ ticketId: 't-low', type: 'TicketPriorityChanged' });
      } finally {
        stream.close();
      }
    });
  });

  describe('search as an agent types (q)', () => {
    const search = async (q: string, limit = 20) => (await ada.get(`/v1/customers?q=${encodeURIComponent(q)}&limit=${limit}`)).body.items.map((hit: { customerId: string }) => hit.customerId);

    it.each([
      ['an email without "@"', 'ada.byron'],
      ['the shop\'s id', 'shop-1815'],
      ['the phone as dialled in its country', '07000 007919'],
      ['the phone with the trunk marker', '+44 (0) 7000 007919'],
      ['the phone with the international prefix', '0044 7000 007919'],
      ['a name', 'ada by'],
      ['the exact id', 'c-ada'],
    ])('finds a customer by %s', async (_what, text) => {
      expect(await search(text)).toEqual(['c-ada']);
    });

    // Found from outside: a name typed with a combining accent (NFD) and one precomposed (NFC) were two names.
    it('finds a name whichever Unicode form it was registered and typed in (a combining accent or a precomposed letter)', async () => {
      const registered = await ingest.post('/v1/customers', { customerId: 'c-jose', profile: { firstName: 'Jose\u0301', lastName: 'Garci\u0301a' } });
      expect((await ada.get(`/v1/customers/c-jose?minPosition=${registered.body.position}`)).headers['x-chronicle-consistent']).toBe('true');
      for (const typed of ['Jos\u00e9 Garc\u00eda', 'Jose\u0301 Garci\u0301a', 'garc\u00eda']) {
        expect({ typed, found: await search(typed) }).toEqual({ typed, found: ['c-jose'] });
      }
    });

    it.each([
      ['the international prefix', '0044 7000 007919'],
      ['the trunk marker', '+44 (0) 7000 007919'],
      ['the number as dialled in its country', '07000 007919'],
    ])('finds by ?phone= with %s whom ?q= finds with the same text', async (_what, text) => {
      const byQ = await search(text);
      expect(byQ).toEqual(['c-ada']);
      const byPhone = await ada.get(`/v1/customers?phone=${encodeURIComponent(text)}`);
      expect({ status: byPhone.status, ids: byPhone.body.items?.map((hit: { customerId: string }) => hit.customerId) }).toEqual({ status: 200, ids: byQ });
    });

    it('returns as many as asked, so a client asking one more knows there are more', async () => {
      expect(await search('smith', 13)).toHaveLength(12);
      expect(await search('smith', 10)).toHaveLength(10);
    });
  });

  describe('a search term with nothing to search by', () => {
    // Each once matched every customer through the bare `phone:`, `email:`, `name:` or `ext:` prefix.
    it.each([
      ['phone', 'abc'], ['phone', 'xyz'], ['phone', '--'], ['phone', '%2B%2B'], ['phone', '%20%20'], ['phone', '%2B%20(%20)%20-'],
      ['q', '%20'], ['q', '%C2%A0'], ['q', '%E3%80%80%E2%80%83'],
      ['name', '%20%20'], ['name', '%C2%A0'],
      ['email', '%20%20'], ['email', '%E2%80%AF'],
      ['externalId', '%20%20'], ['externalId', '%C2%A0'],
      ['id', '%20%20'],
    ])('?%s=%s is a 400 naming the parameter, listing nobody', async (field, typed) => {
      const answer = await ada.get(`/v1/customers?${field}=${typed}`);
      expect({ status: answer.status, fields: [...new Set(answer.body.errors?.map((e: { field: string }) => e.field))], items: answer.body.items })
        .toEqual({ status: 400, fields: [field], items: undefined });
    });

    it.each([
      ['phone', '%2B999'], ['q', 'zzz'], ['name', 'zzz'], ['email', 'zzz%40'], ['externalId', 'zzz'], ['id', 'c-nobody'],
    ])('?%s=%s, a valid term that matches nothing, lists nobody', async (field, typed) => {
      const answer = await ada.get(`/v1/customers?${field}=${typed}`);
      expect({ status: answer.status, items: answer.body.items }).toEqual({ status: 200, items: [] });
    });
  });

  it('counts every answer in /metrics, the refusals of guards and of the HTTP edge included', async () => {
    await new ApiClient(chronicle.url).get('/v1/customers/c-ada'); // 401
    await new ApiClient(chronicle.url, keys.analyst).post('/v1/interactions/notes', {}); // 403
    await ada.get('/v1/no-such-route'); // 404
    await ada.raw('PUT', '/v1/customers/c-ada/timeline', undefined); // 405
    await ada.post('/v1/interactions/notes', { customerId: 'c-ada' }); // 400
    await ada.post('/v1/tickets/no-such-ticket/notes', { body: 'x' }); // 404 from the domain
    const metrics = (await new ApiClient(chronicle.url).get('/metrics')).body as string;
    const count = (route: string, status: number) =>
      Number(new RegExp(`chronicle_http_request_duration_seconds_count\\{method="[A-Z]+",route="${route.replace(/[/:]/g, (c) => `\\${c}`)}",status="${status}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count('/v1/customers/:customerId', 401)).toBeGreaterThanOrEqual(1);
    expect(count('/v1/interactions/notes', 403)).toBeGreaterThanOrEqual(1);
    expect(count('unmatched', 404)).toBeGreaterThanOrEqual(1);
    expect(count('unmatched', 405)).toBeGreaterThanOrEqual(1);
    expect(count('/v1/interactions/notes', 400)).toBeGreaterThanOrEqual(1);
    expect(count('/v1/tickets/:ticketId/notes', 404)).toBeGreaterThanOrEqual(1);
  });

  it('pages the queue and a customer\'s tickets by nextCursor: each ticket once, in the order of one long page, ties and all', async () => {
    // Seven tickets opened at one instant (ties on deadline, priority and age: the id decides), two priorities.
    clock.set(new Date('2026-11-23T08:00:00Z'));
    let position = 0;
    for (const [i, priority] of ['normal', 'low', 'normal', 'normal', 'low', 'normal', 'normal'].entries()) {
      const opened = await ingest.post('/v1/tickets', { customerId: 'c-smith-1', ticketId: `t-page-${i}`, subject: `Question ${i}`, channel: 'chat', priority });
      expect(opened.status).toBe(201);
      position = opened.body.position;
    }
    const ids = (items: { ticketId: string }[]) => items.map((ticket) => ticket.ticketId);
    const pages = async (path: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let answers = 0;
      do {
        const answer = await ada.get(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}&minPosition=${position}${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(answer.status).toBe(200);
        seen.push(...ids(answer.body.items));
        cursor = answer.body.nextCursor;
        answers++;
      } while (cursor !== null);
      return { seen, answers };
    };
    for (const path of ['/v1/tickets?status=open', '/v1/customers/c-smith-1/tickets']) {
      const whole = await ada.get(`${path}${path.includes('?') ? '&' : '?'}limit=200&minPosition=${position}`);
      expect(whole.body.nextCursor).toBeNull();
      for (const limit of [1, 2, 3]) expect({ path, limit, ...(await pages(path, limit)) }).toEqual({ path, limit, seen: ids(whole.body.items), answers: Math.max(1, Math.ceil(whole.body.items.length / limit)) });
    }
    const customers = ids((await ada.get(`/v1/customers/c-smith-1/tickets?minPosition=${position}`)).body.items);
    expect(customers).toEqual(['t-page-6', 't-page-5', 't-page-4', 't-page-3', 't-page-2', 't-page-1', 't-page-0']);
    // The queue's total counts every match, on every page.
    const first = await ada.get(`/v1/tickets?assignee=none&limit=2&minPosition=${position}`);
    const second = await ada.get(`/v1/tickets?assignee=none&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.total).toBe(first.body.total);
    // A cursor this API did not write, one of another list, or one of the same list with another
    // filter (it would start the other list at a row of the first) is refused naming it.
    const customerFirst = await ada.get(`/v1/customers/c-smith-1/tickets?limit=2&minPosition=${position}`);
    expect(customerFirst.body.nextCursor).not.toBeNull();
    for (const path of [
      `/v1/tickets?cursor=bm9wZQ`,
      `/v1/customers/c-smith-1/tickets?cursor=${first.body.nextCursor}`,
      `/v1/tickets?assignee=none&dueWithinMinutes=60&limit=2&cursor=${first.body.nextCursor}`,
      `/v1/tickets?status=resolved&assignee=none&limit=2&cursor=${first.body.nextCursor}`,
      `/v1/customers/c-smith-1/tickets?status=open&limit=2&cursor=${customerFirst.body.nextCursor}`,
    ]) {
      const refused = await ada.get(path);
      expect({ status: refused.status, fields: refused.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['cursor'] });
    }
  });
});
