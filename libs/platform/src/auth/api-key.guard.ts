// Checks the API key on every route: 401 without a valid key, 403 when its role is not allowed.
import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { API_KEY_REGISTRY, ApiKeyRegistry } from './api-key-registry';
import { PUBLIC_METADATA, ROLES_METADATA, type Principal, type Role } from './roles';

export type AuthenticatedRequest = Request & { principal?: Principal };

export function presentedKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
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
      throw new ForbiddenException('This route declares no roles');
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = presentedKey(request);
    if (!key) throw new UnauthorizedException('Missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    const principal = this.registry.authenticate(key);
    if (!principal) throw new UnauthorizedException('Unknown or revoked API key');
    request.principal = principal;
    if (principal.roles.includes('admin') || principal.roles.some((role) => allowed.includes(role))) return true;
    throw new ForbiddenException(`This route needs one of the roles ${allowed.join(', ')}; the key has ${principal.roles.join(', ')}`);
  }
}
