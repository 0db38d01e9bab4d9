// What a client's Accept header asks for, weighed as HTTP says (q-values, wildcards) by
// `negotiator`: whether an export route streams NDJSON or answers JSON, and whether a request asks
// for nothing its route answers in (406, before anything runs).
import type { INestApplication } from '@nestjs/common';
import Negotiator from 'negotiator';
import { ProblemException } from '../errors/problem.filter';
import { answersOf, type ApiAnswerSpec } from '../openapi/api-answers';
import { apiRoutes, openApiPath } from '../openapi/api-routes';
import { NDJSON_MEDIA_TYPE } from '../openapi/openapi-document';

const JSON_MEDIA_TYPE = 'application/json';
const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * The offered types the header takes, most wanted first. Parameters other than q are dropped first:
 * negotiator matches them against the offered type's own (a charset we always send as UTF-8).
 */
const mediaTypes = (accept: string, offered: readonly string[]): string[] => new Negotiator({ headers: { accept: weightsOnly(accept) } }).mediaTypes([...offered]);
const weightsOnly = (accept: string): string =>
  accept
    .split(',')
    .map((range) => {
      const [type = '', ...parameters] = range.split(';');
      const weight = parameters.find((parameter) => /^\s*q\s*=/i.test(parameter));
      return weight === undefined ? type : `${type};${weight}`;
    })
    .join(',');
/** No Accept, an empty one, or the wildcard that takes any type: the commonest headers, taken without parsing. */
const takesAnything = (accept: string | undefined): boolean => accept === undefined || accept === '*/*' || accept.trim() === '';

/** True when the client prefers NDJSON to JSON (`Accept: application/x-ndjson`; not with q=0, nor below JSON). */
export function prefersNdjson(accept: string | undefined): boolean {
  return !takesAnything(accept) && accept !== JSON_MEDIA_TYPE && mediaTypes(accept as string, [JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE])[0] === NDJSON_MEDIA_TYPE;
}

/** The media types a route's successes come in (JSON, a text type, NDJSON beside JSON); none for a route that answers 204 only. */
export function answeredMediaTypes(answers: readonly ApiAnswerSpec[]): string[] {
  if (answers.length === 0) return [JSON_MEDIA_TYPE];
  const types = answers.flatMap((answer) => [
    ...(answer.schema !== undefined ? [JSON_MEDIA_TYPE] : []),
    ...(answer.mediaType !== undefined ? [answer.mediaType] : []),
    ...(answer.ndjsonLine !== undefined ? [NDJSON_MEDIA_TYPE] : []),
  ]);
  return [...new Set(types)];
}

/**
 * A 406 for a request whose Accept takes none of the media types its route answers in (`Accept:
 * text/csv` on a JSON route): it would otherwise get an answer it said it cannot read. Undefined when
 * it takes one, and for a route with no body to answer (204). Refusals are problem documents whatever
 * it says (RFC 9110 lets a 4xx come in a type not asked for).
 */
export function notAcceptable(accept: string | undefined, answered: readonly string[]): ProblemException | undefined {
  if (takesAnything(accept) || answered.length === 0) return undefined;
  if (mediaTypes(accept as string, answered).length > 0) return undefined;
  // A refusal is a problem document whatever Accept says; a client that takes only those cannot read a success.
  return new ProblemException(406, `This route answers in ${answered.join(', ')} (refusals in ${PROBLEM_MEDIA_TYPE}); the Accept header takes none of them`, {
    code: 'NOT_ACCEPTABLE',
    errors: [{ field: 'Accept', message: `must accept ${answered.join(' or ')}` }],
  });
}

/**
 * Each route's answered media types by `METHOD /path` as Fastify matched it (`GET
 * /v1/customers/:customerId`; HEAD as GET), read from the routes' @ApiAnswer once the application is up.
 */
export class RouteMediaTypes {
  private table: Map<string, string[]> | undefined;
  /** The same, by the route as Fastify names it: each request finds its route without rewriting the path. */
  private readonly byRoute = new Map<string, readonly string[] | undefined>();

  constructor(private readonly app: INestApplication) {}

  of(method: string, url: string): readonly string[] | undefined {
    const route = `${method === 'HEAD' ? 'GET' : method} ${url}`;
    if (this.byRoute.has(route)) return this.byRoute.get(route);
    this.table ??= new Map(apiRoutes(this.app).map((api) => [`${api.method} ${api.path}`, answeredMediaTypes(answersOf(api.handler))]));
    const found = this.table.get(`${method === 'HEAD' ? 'GET' : method} ${openApiPath(url)}`);
    this.byRoute.set(route, found);
    return found;
  }
}
