// The session cookie on the wire: the Set-Cookie values are the ones Express's res.cookie and
// res.clearCookie sent before the move to Fastify, byte for byte, so browsers keep and drop it alike.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { clearSessionCookie, sessionCookieOf, SESSION_COOKIE, setSessionCookie } from './sessions';

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
