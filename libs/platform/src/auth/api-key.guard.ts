// Checks the API key on every route: 401 without a valid key, 403 when its role is not allowed. Runs
// before the body is read (RequestBodyInterceptor), so a refused caller never costs a body parse.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ProblemException } from '../errors/problem.filter';
import { API_KEY_REGISTRY, ApiKeyRegistry } from './api-key-registry';
import { PUBLIC_METADATA, ROLES_METADATA, rolesAllow, type Principal, type Role } from './roles';

export type AuthenticatedRequest = Request & { principal?: Principal };

const HOW = 'send "Authorization: Bearer <key>" or "X-API-Key: <key>"';

/**
 * `Authorization: <scheme> <credentials>` (RFC 9110 §11.4): the scheme is case-insensitive and one
 * or more spaces separate it from the credentials.
 */
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*))?$/;

/** The key a request presents; a ProblemException (401) when its Authorization header is unusable. */
export function presentedKey(request: Request): string | undefined {
  const header = request.headers.authorization?.trim();
  const apiKey = request.headers['x-api-key'];
  if (header) {
    const match = CREDENTIALS.exec(header);
    if (match && match[1]?.toLowerCase() === 'bearer') {
      const key = match[2]?.trim();
      if (key) return key;
      throw unauthorized('The Authorization header names the Bearer scheme but carries no key', 'invalid_request');
    }
    // Another scheme (Basic, say) with an X-API-Key beside it: the X-API-Key is the key.
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw unauthorized(`Authorization scheme ${JSON.stringify(match?.[1] ?? header.split(/[ \t]/)[0])} is not supported: ${HOW}`, 'invalid_request');
    }
  }
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
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
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    if (!allowed) {
      // Every route must declare its roles; a route that forgot is closed, not open.
      throw new ProblemException(403, 'This route declares no roles', { code: 'FORBIDDEN' });
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) throw unauthorized(`Missing API key: ${HOW}`);
    const principal = this.registry.authenticate(key);
    if (!principal) throw unauthorized('Unknown or revoked API key', 'invalid_token');
    request.principal = principal;
    if (rolesAllow(allowed, principal.roles)) return true;
    throw new ProblemException(403, `This route needs one of the roles ${allowed.join(', ')}; the key has ${principal.roles.join(', ')}`, { code: 'FORBIDDEN' });
  }
}
