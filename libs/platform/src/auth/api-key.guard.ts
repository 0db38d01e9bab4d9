// Checks the API key on every route: 401 without a valid key, 403 when its role is not allowed. Runs
// before the body is read (RequestBodyInterceptor), so a refused caller never costs a body parse.
// A console session cookie stands for the key it was opened with (see sessions.ts) when no key
// header is sent; a POST, PUT, PATCH or DELETE made with it must carry the session's CSRF token.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '@app/event-sourcing';
import { ProblemException } from '../errors/problem.filter';
import { UNSAFE_METHODS } from '../http/methods';
import { CLOCK } from '../platform.tokens';
import { API_KEY_REGISTRY, ApiKeyRegistry } from './api-key-registry';
import { PUBLIC_METADATA, ROLES_METADATA, rolesAllow, type Principal, type Role } from './roles';
import { clearSessionCookie, CSRF_HEADER, sessionCookieOf, SESSIONS, Sessions, setSessionCookie, type SessionClaims } from './sessions';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; session?: SessionClaims };

const HOW = 'send "Authorization: Bearer <key>" or "X-API-Key: <key>", or sign in to the console';

/**
 * `Authorization: <scheme> <credentials>` (RFC 9110 §11.4): the scheme is case-insensitive and one
 * or more spaces separate it from the credentials.
 */
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*))?$/;

/** How many times the request sent header `name` (Node keeps only the first Authorization, and joins repeated X-API-Keys). */
function timesSent(request: FastifyRequest, name: string): number {
  const raw = request.raw.rawHeaders;
  let times = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) times += 1;
  return times;
}

/**
 * The key a request presents; a ProblemException (401) when its Authorization header is unusable or
 * the request is ambiguous about who it is: the same header twice, or a Bearer key and an X-API-Key
 * that differ. Taking one of them silently would act as a principal the caller may not have meant
 * (and a proxy that adds its own header would decide it).
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  for (const name of ['authorization', 'x-api-key']) {
    if (timesSent(request, name) > 1) throw unauthorized(`The ${name === 'authorization' ? 'Authorization' : 'X-API-Key'} header is sent more than once: send one key`, 'invalid_request');
  }
  const header = request.headers.authorization?.trim();
  const raw = request.headers['x-api-key'];
  const apiKey = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
  if (header) {
    const match = CREDENTIALS.exec(header);
    if (match && match[1]?.toLowerCase() === 'bearer') {
      const key = match[2]?.trim();
      if (!key) throw unauthorized('The Authorization header names the Bearer scheme but carries no key', 'invalid_request');
      if (apiKey !== undefined && apiKey !== key) {
        throw unauthorized('The Bearer key and the X-API-Key differ: send one key', 'invalid_request');
      }
      return key;
    }
    // Another scheme (Basic, say) with an X-API-Key beside it: the X-API-Key is the key.
    if (apiKey === undefined) {
      throw unauthorized(`Authorization scheme ${JSON.stringify(match?.[1] ?? header.split(/[ \t]/)[0])} is not supported: ${HOW}`, 'invalid_request');
    }
  }
  return apiKey;
}

/** 401 with the WWW-Authenticate challenge RFC 9110 §15.5.2 requires (error codes of RFC 6750 §3.1). */
function unauthorized(detail: string, error?: 'invalid_request' | 'invalid_token'): ProblemException {
  return new ProblemException(401, detail, {
    code: 'UNAUTHENTICATED',
    headers: { 'WWW-Authenticate': `Bearer realm="chronicle"${error ? `, error="${error}"` : ''}` },
  });
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(API_KEY_REGISTRY) private readonly registry: ApiKeyRegistry,
    @Inject(SESSIONS) private readonly sessions: Sessions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    if (!allowed) {
      // Every route must declare its roles; a route that forgot is closed, not open.
      throw new ProblemException(403, 'This route declares no roles', { code: 'FORBIDDEN' });
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    const principal = key !== undefined ? this.registry.authenticate(key) : await this.fromSession(request, context.switchToHttp().getResponse<FastifyReply>());
    if (!principal) throw unauthorized('Unknown or revoked API key', 'invalid_token');
    request.principal = principal;
    if (rolesAllow(allowed, principal.roles)) return true;
    throw new ProblemException(403, `This route needs one of the roles ${allowed.join(', ')}; the key has ${principal.roles.join(', ')}`, { code: 'FORBIDDEN' });
  }

  /** The principal of the request's session cookie (renewing its idle timer), or a 401/403 saying why not. */
  private async fromSession(request: AuthenticatedRequest, reply: FastifyReply): Promise<Principal> {
    const cookie = sessionCookieOf(request);
    if (cookie === undefined) throw unauthorized(`Missing API key: ${HOW}`);
    // A page refreshing itself on a timer or a live update says so: answered, but the agent was not there.
    const background = headerValue(request.headers[BACKGROUND_HEADER]) === '1';
    const checked = await this.sessions.check(cookie, this.clock.now(), { renew: !background });
    if (!checked.ok) {
      clearSessionCookie(request, reply);
      throw sessionEnded(`${checked.reason}: sign in again`);
    }
    const principal = this.registry.principalById(checked.claims.keyId);
    if (!principal) {
      clearSessionCookie(request, reply);
      throw sessionEnded('The API key this session was opened with is revoked: sign in again');
    }
    // SameSite=Strict already keeps other sites' requests cookie-less; the token is the second lock
    // (an older browser, a sibling subdomain), and no page of another origin can read it.
    if (UNSAFE_METHODS.has(request.method) && !this.sessions.csrfTokenMatches(checked.claims, headerValue(request.headers[CSRF_HEADER]))) {
      const detail = `A request signed in by the session cookie must send the ${CSRF_HEADER} header with the session's token (GET /v1/me)`;
      throw new ProblemException(403, detail, { code: 'CSRF_TOKEN', errors: [{ field: 'X-CSRF-Token', message: detail }] });
    }
    if (checked.renewed !== undefined) setSessionCookie(request, reply, checked.renewed);
    request.session = checked.claims;
    return principal;
  }
}

/**
 * Sent as `1` by the console with a request no agent made (a work queue re-read every minute, a page
 * following live updates): it does not renew the session's idle timer, so an unattended console
 * still signs out after SESSION_IDLE_MINUTES.
 */
export const BACKGROUND_HEADER = 'x-chronicle-background';

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** 401 for a session that is over; the challenge names the cookie's realm like a key's. */
function sessionEnded(detail: string): ProblemException {
  return new ProblemException(401, detail, { code: 'SESSION_ENDED', headers: { 'WWW-Authenticate': 'Bearer realm="chronicle", error="invalid_token"' } });
}
