// The session cookie on the wire: the Set-Cookie values are the ones Express's res.cookie and
// res.clearCookie sent before the move to Fastify, byte for byte, so browsers keep and drop it alike.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { clearSessionCookie, sessionCookieOf, SESSION_COOKIE, Sessions, setSessionCookie } from './sessions';

const TOKEN = 'v1.eyJzaWQiOiJhYmMifQ.c2lnbmF0dXJl-_';

/** The request as seen over TLS (Fastify's request.protocol is 'https' when the socket is). */
const overTls = (request: FastifyRequest): FastifyRequest => Object.create(request, { protocol: { value: 'https' } }) as FastifyRequest;

describe('session cookie', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.get('/set', (request, reply) => {
      setSessionCookie(request, reply, TOKEN);
      return reply.send('');
    });
    app.get('/set-tls', (request, reply) => {
      setSessionCookie(overTls(request), reply, TOKEN);
      return reply.send('');
    });
    app.get('/clear', (request, reply) => {
      clearSessionCookie(request, reply);
      return reply.send('');
    });
    app.get('/clear-tls', (request, reply) => {
      clearSessionCookie(overTls(request), reply);
      return reply.send('');
    });
    app.get('/both', (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('Set-Cookie', 'other=1');
      clearSessionCookie(request, reply);
      setSessionCookie(request, reply, TOKEN);
      return reply.send('');
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const setCookie = async (url: string): Promise<string | string[] | undefined> => (await app.inject({ method: 'GET', url })).headers['set-cookie'];

  it('sets an HttpOnly, SameSite=Strict cookie for the whole site, Secure only over TLS', async () => {
    expect(await setCookie('/set')).toBe(`chronicle_session=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
    expect(await setCookie('/set-tls')).toBe(`chronicle_session=${TOKEN}; Path=/; HttpOnly; Secure; SameSite=Strict`);
  });

  it('clears it with an empty value expired at the epoch, with the same attributes', async () => {
    expect(await setCookie('/clear')).toBe('chronicle_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict');
    expect(await setCookie('/clear-tls')).toBe('chronicle_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict');
  });

  it('adds its Set-Cookie beside those already on the reply', async () => {
    expect(await setCookie('/both')).toEqual([
      'other=1',
      'chronicle_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict',
      `chronicle_session=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`,
    ]);
  });

  it('reads the cookie back from the Cookie header', () => {
    const request = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as FastifyRequest;
    expect(sessionCookieOf(request(`a=1; ${SESSION_COOKIE}=${TOKEN}; b=2`))).toBe(TOKEN);
    expect(sessionCookieOf(request('a=1'))).toBeUndefined();
    expect(sessionCookieOf(request())).toBeUndefined();
  });
});

describe('session idle timer', () => {
  const secret = Buffer.alloc(32, 7);
  const at = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);
  const renewedOf = (check: Awaited<ReturnType<Sessions['check']>>) => (check.ok ? check.renewed : undefined);

  // Found from outside: renewals came at most once a minute, so with SESSION_IDLE_MINUTES=2 an agent
  // active at +59 s was signed out at +120 s, and with 1 minute a session never renewed at all.
  it.each([[1, 6], [2, 12], [30, 60]])('with %i idle minutes, an agent\'s request renews it once %i s have passed since the last renewal', async (minutes, renewAfterSeconds) => {
    const sessions = new Sessions(secret, minutes * 60_000, 12 * 3_600_000);
    const start = new Date('2026-12-05T10:00:00Z');
    const { token } = sessions.issue('key-1', start);
    expect(renewedOf(await sessions.check(token, at(start, renewAfterSeconds - 1)))).toBeUndefined();
    const renewed = await sessions.check(token, at(start, renewAfterSeconds));
    expect(renewed.ok && renewed.renewed !== undefined).toBe(true);
    // A request the page made on its own renews nothing, however late.
    expect(renewedOf(await sessions.check(token, at(start, minutes * 60 - 1), { renew: false }))).toBeUndefined();
    // Active just before the end of the first window: the renewed token lives a whole idle time from then.
    const late = await sessions.check(token, at(start, minutes * 60 - 1));
    const lateToken = late.ok ? (late.renewed as string) : '';
    expect((await sessions.check(lateToken, at(start, 2 * minutes * 60 - 2))).ok).toBe(true);
    expect((await sessions.check(token, at(start, minutes * 60))).ok).toBe(false);
  });
});
