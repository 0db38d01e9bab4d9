// The routes a booted application serves, read from Nest's own route metadata: method, path, the
// roles the route declares with @Roles (the one table of who may call what) and the handler. The
// OpenAPI document, the README's route table and the role-matrix test are all built from this list,
// so none of them can name a route the application does not have or miss one it has.
import { RequestMethod, type INestApplication, type Type, VERSION_NEUTRAL } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { PUBLIC_METADATA, ROLES_METADATA, rolesAllow, type Role } from '../auth/roles';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRoute {
  readonly method: HttpMethod;
  /** As OpenAPI writes it: `/v1/customers/{customerId}`. */
  readonly path: string;
  /** The roles @Roles declares (admin may call every route besides), `public` for @Public routes, `undeclared` when neither. */
  readonly access: readonly Role[] | 'public' | 'undeclared';
  readonly controller: Type<unknown>;
  readonly handlerName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a controller method, as Nest's metadata keys it
  readonly handler: Function;
}

const METHODS: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.PATCH]: 'PATCH',
  [RequestMethod.DELETE]: 'DELETE',
};

function paths(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [value === undefined ? '' : String(value)];
}

function versionPrefix(version: unknown): string {
  if (version === undefined || version === VERSION_NEUTRAL) return '';
  if (Array.isArray(version)) throw new Error('A route with several versions is not supported by the route table');
  return `v${String(version)}`;
}

/** `/v1/customers/:customerId` as OpenAPI writes it. */
export function openApiPath(...segments: string[]): string {
  const joined = `/${segments.map((s) => s.replace(/^\/+|\/+$/g, '')).filter((s) => s !== '').join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Every route of the application, sorted by path then method. */
export function apiRoutes(app: INestApplication): ApiRoute[] {
  const scanner = new MetadataScanner();
  const seen = new Map<string, ApiRoute>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const handlerName of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[handlerName] as (...args: unknown[]) => unknown;
        const routePath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (routePath === undefined) continue;
        const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        if (!method) throw new Error(`${controller.name}.${handlerName}: only GET, POST, PUT, PATCH and DELETE routes are supported`);
        const version = versionPrefix(Reflect.getMetadata(VERSION_METADATA, handler) ?? Reflect.getMetadata(VERSION_METADATA, controller));
        for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const own of paths(routePath)) {
            const route: ApiRoute = { method, path: openApiPath(version, base, own), access: accessOf(controller, handler), controller, handlerName, handler };
            seen.set(`${route.method} ${route.path}`, route);
          }
        }
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** What the guard reads: the handler's declaration overrides the controller's, as Reflector.getAllAndOverride does. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- a controller method
function accessOf(controller: Type<unknown>, handler: Function): ApiRoute['access'] {
  const read = <T>(key: string): T | undefined => (Reflect.getMetadata(key, handler) as T | undefined) ?? (Reflect.getMetadata(key, controller) as T | undefined);
  if (read<boolean>(PUBLIC_METADATA)) return 'public';
  return read<Role[]>(ROLES_METADATA) ?? 'undeclared';
}

/** Whether a principal with `role` may call the route: admin everywhere, others where the route names them. */
export function mayCall(route: ApiRoute, role: Role): boolean {
  if (route.access === 'public') return true;
  if (route.access === 'undeclared') return false;
  return rolesAllow(route.access, [role]);
}
