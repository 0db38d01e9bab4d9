// The roles API keys carry, and the decorator each route uses to declare who may call it.
import { SetMetadata } from '@nestjs/common';

export const ROLES = ['ingest', 'support', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLES_METADATA = 'chronicle:roles';
export const PUBLIC_METADATA = 'chronicle:public';

/** The roles allowed on a route; `admin` is always allowed. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_METADATA, roles);

/** Whether a key with `roles` may call a route that allows `allowed`: admin may call every route. */
export function rolesAllow(allowed: readonly Role[], roles: readonly Role[]): boolean {
  return roles.includes('admin') || roles.some((role) => allowed.includes(role));
}

/** A route anyone may call (health, docs). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

export interface Principal {
  readonly keyId: string;
  readonly label: string;
  readonly roles: readonly Role[];
}
