// What the OpenAPI document fails to say about the application's routes, one line per gap: a route
// without declared roles or without a documented answer fails the test that calls this.
import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import type { ApiRoute } from './api-routes';
import { PROBLEM_MEDIA_TYPE } from './openapi-document';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function openApiGaps(document: OpenAPIObject, routes: readonly ApiRoute[]): string[] {
  const gaps: string[] = [];
  const served = new Set(routes.map((route) => `${route.method} ${route.path}`));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      if (item[method] && !served.has(`${method.toUpperCase()} ${path}`)) gaps.push(`${method.toUpperCase()} ${path}: documented, but the application has no such route`);
    }
  }
  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    if (route.access === 'undeclared') gaps.push(`${name}: declares no roles (@Roles(...) or @Public())`);
    const operation = document.paths[route.path]?.[route.method.toLowerCase() as 'get'] as (OperationObject & { 'x-roles'?: unknown }) | undefined;
    if (!operation) {
      gaps.push(`${name}: not in the OpenAPI document`);
      continue;
    }
    const responses = Object.entries(operation.responses ?? {}) as [string, ResponseObject | ReferenceObject][];
    const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
    if (successes.length === 0) gaps.push(`${name}: documents no success answer (@ApiAnswer)`);
    for (const [status, response] of successes) {
      const content = (response as ResponseObject).content;
      if (status !== '204' && (!content || Object.values(content).some((media) => media.schema === undefined))) {
        gaps.push(`${name}: answer ${status} has no schema (@ApiAnswer(${status}, 'TypeName'))`);
      }
    }
    for (const [status, response] of responses.filter(([code]) => /^[45]\d\d$/.test(code))) {
      // Problem documents, but for readiness' 503, which is the health report itself.
      const content = (response as ResponseObject).content ?? {};
      if (!content[PROBLEM_MEDIA_TYPE] && !Object.values(content).some((media) => media.schema !== undefined)) gaps.push(`${name}: refusal ${status} documents no body`);
    }
    const expected = route.access === 'public' ? ['400'] : ['400', '401', '403', '503'];
    for (const status of expected) if (!responses.some(([code]) => code === status)) gaps.push(`${name}: refusal ${status} is not documented`);
    if (route.access !== 'undeclared') {
      const roles = route.access === 'public' ? 'public' : [...route.access];
      if (JSON.stringify(operation['x-roles']) !== JSON.stringify(roles)) gaps.push(`${name}: x-roles ${JSON.stringify(operation['x-roles'])} differ from the route's ${JSON.stringify(roles)}`);
    }
  }
  gaps.push(...danglingReferences(document));
  return gaps;
}

/** `$ref`s that point at no schema of the document. */
function danglingReferences(document: OpenAPIObject): string[] {
  const found: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${where}[${index}]`));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string') {
          const name = child.replace('#/components/schemas/', '');
          if (!child.startsWith('#/components/schemas/') || document.components?.schemas?.[name] === undefined) found.push(`${where}: $ref ${child} names no schema of the document`);
        } else visit(child, `${where}.${key}`);
      }
    }
  };
  visit(document.paths, 'paths');
  visit(document.components?.schemas, 'components.schemas');
  return found;
}
