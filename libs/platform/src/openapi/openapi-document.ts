// Builds the OpenAPI document served at /docs/openapi.json from the application itself: swagger reads
// the routes and DTO classes; this adds what it cannot know. Request schemas get the limits the
// class-validator decorators enforce (validation-schemas.ts); every operation gets its success answer
// (@ApiAnswer, schemas generated from the answer types), the problem documents it can answer with
// (those of its shape: 400, 401, 403, 406, 409 for a reused Idempotency-Key, 413, 415, 503; and its own
// 404, 409, 422 from @ApiRefusals), its key schemes and the roles @Roles declares (`x-roles`).
import type { INestApplication, Type } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import {
  DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject, type ParameterObject, type ReferenceObject, type ResponseObject, type SchemaObject,
} from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/sessions';
import { IDEMPOTENT_METADATA } from '../idempotency/idempotency.interceptor';
import { CONTEXT_HEADERS, HEADER_VALUE_PATTERN, readRequestContext } from '../http/command-context.decorator';
import { batchItemKindsOf, type BatchItemKinds } from '../commands/batch-item-kinds';
import { routeArgumentsOf } from '../http/route-arguments';
import { isUnder } from '../http/paths';
import { apiRoutes, type ApiRoute } from './api-routes';
import { answersOf, refusalsOf, type ApiAnswerSpec } from './api-answers';
import { dtoClassOf, dtoPropertiesOf, isNested, validationRulesOf, withValidationRules } from './validation-schemas';

export interface OpenApiOptions {
  /** Schemas by name that routes refer to (their answers, structured inputs): the composition's generated API types. */
  readonly schemas?: Readonly<Record<string, SchemaObject>>;
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const PROBLEM_SCHEMA = 'Problem';
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
export const CONSISTENCY_HEADER = 'X-Chronicle-Consistent';

/** What a route's 404 and its own 409s say besides what they mean there (a reused Idempotency-Key's 409 says it itself). */
const NAMING: Readonly<Record<number, string>> = {
  404: '`errors[]` names the unknown id (a path parameter such as `customerId`, or a body field such as `orderId`).',
  409: '`errors[]` names the field it is about (the id that collided, or whose state or stream refused the change).',
};

/** What each refusal means wherever a route's shape allows it. */
const REFUSALS: Readonly<Record<number, string>> = {
  400: 'The request is invalid whatever is stored: `errors[]` names each bad field (`lines[0].quantity`), query parameter, path id or header. Also a body where the route takes none, or none where it needs one.',
  401: 'No API key, or an unknown or revoked one; or a console session that ended (signed out, idle, too old, or its key revoked).',
  403: 'The key\'s role may not call this route; or a POST, PUT, PATCH or DELETE signed in by a console session came without its X-CSRF-Token.',
  404: 'No such resource.',
  406: 'The Accept header takes none of the media types this route answers in (its success\'s, listed under 200 or 201): `errors[]` names Accept. Nothing ran.',
  409: 'The Idempotency-Key was used with another request (IDEMPOTENCY_KEY_REUSED), or its first request is still running after 15 s (IDEMPOTENCY_IN_PROGRESS: send it again after Retry-After): `errors[]` names the header. Or other writes to the same record kept coming in between this one\'s read and write (CONFLICT: `errors[]` names the record\'s id; nothing was recorded, send it again). Or an event id derived from the Idempotency-Key or natural id is stored for another request (DUPLICATE_EVENT_ID: `errors[]` names which).',
  413: 'The body is larger than MAX_BODY_BYTES, as sent or once decoded; or an event it would record is larger than MAX_EVENT_BYTES (`errors[]` names the field).',
  415: 'Content-Type is not application/json (optionally with charset=utf-8), or Content-Encoding is not gzip, deflate or br.',
  422: 'The request breaks a business rule on the current state.',
  503: 'The data store cannot take the request now (read-only or full disk, a lock held elsewhere: STORE_BUSY), or the server is shutting down (a live stream); retry after Retry-After seconds (a command with the same Idempotency-Key).',
};

const REFUSAL_HEADERS: Readonly<Record<number, Record<string, { description: string; schema: SchemaObject }>>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="chronicle", with error="invalid_token" for an unknown key', schema: { type: 'string' } } },
  415: {
    Accept: { description: 'The media type the route takes (with a wrong Content-Type)', schema: { type: 'string' } },
    'Accept-Encoding': { description: 'The encodings the route takes (with a wrong Content-Encoding)', schema: { type: 'string' } },
  },
  409: { 'Retry-After': { description: 'With IDEMPOTENCY_IN_PROGRESS: seconds to wait before sending the same request again', schema: { type: 'integer', minimum: 1 } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
};

const DESCRIPTION = [
  'Event-sourced customer-interaction platform. Commands answer with the global `position` they reached; pass it as `minPosition` to queries to read your own writes (the `X-Chronicle-Consistent` header says whether the answer includes it).',
  '',
  'Send the API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Each operation lists the roles that may call it in `x-roles` (`admin` may call every operation).',
  'The support console signs in once (`POST /v1/session` with its key) and then sends the `chronicle_session` cookie instead of the key; with the cookie, a POST, PUT, PATCH or DELETE also sends `X-CSRF-Token` (the token `GET /v1/me` answers).',
  '',
  'Every refusal is an RFC 9457 problem document (`application/problem+json`, schema `Problem`) naming each bad field in `errors[]`. A method a path does not take is answered 405 with `Allow` (and OPTIONS with 204 and `Allow`). No input is answered with a 5xx other than 503.',
].join('\n');

/** The header as clients write it (sessions.ts keeps it lower-case, as Node reads headers). */
const CSRF_HEADER_NAME = 'X-CSRF-Token';

type Schema = SchemaObject & Record<string, unknown>;
type MutableOperation = OperationObject & { 'x-roles'?: unknown };

/** The OpenAPI 3.0 document of the application's routes. */
export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions = {}): OpenAPIObject {
  const routes = apiRoutes(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chronicle')
      .setDescription(DESCRIPTION)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (opaque, not a JWT): `Authorization: Bearer <key>`.' }, 'bearer')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key in its own header.' }, 'apiKey')
      .addCookieAuth(
        SESSION_COOKIE,
        { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `A console session (POST /v1/session) standing for the key it was opened with; a POST, PUT, PATCH or DELETE sent with it carries ${CSRF_HEADER_NAME}.` },
        'session',
      )
      .build(),
    // The kinds of batch items: each kind's schema is derived from its DTO's, which must be in the document.
    { extraModels: routes.flatMap((route) => batchItemKindsIn(routeArguments(route).body)).flatMap(({ kinds }) => Object.values<Type<object>>(kinds.dtos)) },
  );
  // An API key is an opaque token, not the JWT swagger assumes for bearer schemes.
  delete (document.components?.securitySchemes?.bearer as { bearerFormat?: string } | undefined)?.bearerFormat;
  const components = (document.components ??= {});
  const schemas = (components.schemas ??= {});
  for (const [name, schema] of Object.entries(options.schemas ?? {})) {
    if (schemas[name] !== undefined) throw new Error(`The schema name ${name} is both a DTO class and an API type: rename one`);
    schemas[name] = schema;
  }
  describeRequestClasses(schemas as Record<string, Schema>, routes);
  for (const route of routes) {
    const operation = document.paths[route.path]?.[route.method.toLowerCase() as 'get'] as MutableOperation | undefined;
    // A route the document lacks is named by openApiGaps, not papered over here.
    if (operation) describeOperation(operation, route);
  }
  return document;
}

interface RouteArguments {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  readonly body?: Function;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  readonly query?: Function;
  /** Path parameter → the schema its pipe declares (IdParam). */
  readonly pathSchemas: ReadonlyMap<string, SchemaObject>;
  /** Whether the route reads the command context headers (@Ctx). */
  readonly readsContext: boolean;
}

/** What a route's handler parameters take, from Nest's route-argument metadata. */
function routeArguments(route: ApiRoute): RouteArguments {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  let body: Function | undefined;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  let query: Function | undefined;
  let readsContext = false;
  const pathSchemas = new Map<string, SchemaObject>();
  for (const arg of routeArgumentsOf(route.controller, route.handlerName)) {
    if (arg.factory === readRequestContext) readsContext = true;
    else if (arg.kind === String(RouteParamtypes.BODY)) body = arg.type;
    else if (arg.kind === String(RouteParamtypes.QUERY) && arg.data === undefined) query = arg.type;
    else if (arg.kind === String(RouteParamtypes.PARAM) && typeof arg.data === 'string') {
      const declared = (arg.pipes ?? []).map((pipe) => (pipe as { openApiSchema?: SchemaObject }).openApiSchema).find((schema) => schema !== undefined);
      if (declared) pathSchemas.set(arg.data, declared);
    }
  }
  return { ...(body ? { body } : {}), ...(query ? { query } : {}), pathSchemas, readsContext };
}

/**
 * Adds the validators' rules to the schema of every DTO class a route takes as its body, and of the
 * classes nested in them. A class validated as a body or nested object refuses unknown fields (the
 * validation pipe forbids them): its schema says `additionalProperties: false`. So does each kind of
 * a batch's items (validateBatchItem validates them as the pipe does), and the items themselves are
 * described kind by kind (describeBatchItems).
 */
function describeRequestClasses(schemas: Record<string, Schema>, routes: readonly ApiRoute[]): void {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  const closed = new Set<Function>();
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  const seen = new Set<Function>();
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
  const visit = (dto: Function, validated: boolean): void => {
    if (seen.has(dto) && (!validated || closed.has(dto))) return;
    seen.add(dto);
    if (validated) closed.add(dto);
    const rules = validationRulesOf(dto);
    for (const property of dtoPropertiesOf(dto)) {
      const nested = dtoClassOf(property.type);
      if (nested) visit(nested, validated && isNested(rules.get(property.name) ?? []));
    }
    for (const { kinds } of batchItemKindsIn(dto)) {
      for (const kind of Object.values<Type<object>>(kinds.dtos)) visit(kind, true);
    }
  };
  for (const route of routes) {
    const { body } = routeArguments(route);
    if (body && dtoPropertiesOf(body).length > 0) visit(body, true);
  }
  for (const dto of seen) {
    const schema = schemas[dto.name];
    if (!schema || schema.$ref !== undefined) continue;
    const rules = validationRulesOf(dto);
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [name, property] of Object.entries(properties)) {
      const own = rules.get(name);
      if (own && property.$ref === undefined) properties[name] = withValidationRules(property, own);
    }
    if (closed.has(dto)) schema.additionalProperties = false;
  }
  // Once every kind's schema has its rules: the kinds' schemas are copies of them.
  for (const dto of seen) {
    const properties = (schemas[dto.name]?.properties ?? {}) as Record<string, Schema>;
    for (const { property, kinds } of batchItemKindsIn(dto)) {
      const items = properties[property];
      if (!items) throw new Error(`${dto.name}.${property} is not in the document`);
      items.items = describeBatchItems(schemas, kinds, routes);
    }
  }
}

/** The properties of a DTO class (a route's body) that hold batch items of several kinds. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
function batchItemKindsIn(dto: Function | undefined): { readonly property: string; readonly kinds: BatchItemKinds }[] {
  if (!dto) return [];
  return dtoPropertiesOf(dto).flatMap(({ name }) => {
    const kinds = batchItemKindsOf(dto, name);
    return kinds ? [{ property: name, kinds }] : [];
  });
}

/**
 * A batch item as exactly one of its kinds: for each kind a schema of its own with the fields of the
 * kind's DTO (the body of its endpoint) and `type` fixed to the kind, required, no other field (an
 * `allOf` of the DTO's closed schema and `{type}` would take no item at all); a discriminator on
 * `type` maps each kind to its schema.
 */
function describeBatchItems(schemas: Record<string, Schema>, kinds: BatchItemKinds, routes: readonly ApiRoute[]): Schema {
  const mapping: Record<string, string> = {};
  for (const kind of kinds.kinds) {
    const dto = kinds.dtos[kind];
    const source = schemas[dto.name];
    if (!source?.properties) throw new Error(`The batch item kind ${kind} has no schema of its DTO ${dto.name} in the document`);
    if (kinds.tag in source.properties) throw new Error(`${dto.name} has a field ${kinds.tag}, which names the kind of a batch item: rename it`);
    const name = kinds.schemaName(kind);
    if (schemas[name] !== undefined) throw new Error(`The schema name ${name} of the batch item kind ${kind} is taken`);
    const endpoints = routes.filter((route) => routeArguments(route).body === dto).map((route) => `${route.method} ${route.path}`);
    schemas[name] = {
      type: 'object',
      description: `A \`${kind}\` item: ${endpoints.length > 0 ? `the body of ${endpoints.join(' or ')}` : `the fields of ${dto.name}`}, with \`${kinds.tag}\` naming the kind.`,
      properties: {
        [kinds.tag]: { type: 'string', enum: [kind], description: 'The item\'s kind: its other fields are those of this kind.' },
        ...(structuredClone(source.properties) as Record<string, Schema>),
      },
      required: [kinds.tag, ...((source.required ?? []) as string[])],
      additionalProperties: false,
    };
    mapping[kind] = `#/components/schemas/${name}`;
  }
  return { oneOf: Object.values(mapping).map(($ref) => ({ $ref })), discriminator: { propertyName: kinds.tag, mapping } };
}

/**
 * Header parameters as a client must send them. Swagger adds one for each @Headers(name) argument,
 * marked required although Nest never requires a header; where @ApiHeader documents the same header
 * (names are case-insensitive: `last-event-id` is `Last-Event-ID`), that one stays alone.
 */
function headerParameters(parameters: readonly ParameterObject[]): ParameterObject[] {
  const documented = new Set(parameters.filter((p) => p.in === 'header' && p.description !== undefined).map((p) => p.name.toLowerCase()));
  return parameters
    .filter((p) => p.in !== 'header' || p.description !== undefined || !documented.has(p.name.toLowerCase()))
    .map((p) => (p.in === 'header' && p.description === undefined ? { ...p, required: false } : p));
}

function nonEmpty(schema: Schema): Schema {
  if (schema.type === 'string' && schema.minLength === undefined) return { ...schema, minLength: 1 };
  if (schema.type === 'array' && schema.items && !('$ref' in schema.items)) return { ...schema, items: nonEmpty(schema.items as Schema) };
  return schema;
}

function describeOperation(operation: MutableOperation, route: ApiRoute): void {
  const args = routeArguments(route);
  const parameters = headerParameters((operation.parameters ?? []) as ParameterObject[]);
  const queryRules = args.query ? validationRulesOf(args.query) : new Map();
  for (const parameter of parameters) {
    if (parameter.in === 'query') {
      const rules = queryRules.get(parameter.name);
      if (rules) {
        // A query string has no null: leaving the parameter out is how it is optional.
        const { nullable: _nullable, ...schema } = withValidationRules((parameter.schema ?? {}) as Schema, rules);
        parameter.schema = schema;
      }
      // An empty value (`?cursor=`) is refused for every parameter (see queryStringProblems).
      parameter.schema = nonEmpty((parameter.schema ?? {}) as Schema);
    } else if (parameter.in === 'path') {
      const declared = args.pathSchemas.get(parameter.name);
      if (declared) parameter.schema = { ...(parameter.schema as SchemaObject), ...declared };
    }
  }
  if (args.readsContext) {
    for (const [name, description] of Object.entries(CONTEXT_HEADERS)) {
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string', pattern: HEADER_VALUE_PATTERN.source, minLength: 1, maxLength: 200 } });
    }
  }
  if (parameters.length > 0) operation.parameters = parameters;

  if (route.access === 'public') {
    operation.security = [];
  } else {
    operation.security = [{ bearer: [] }, { apiKey: [] }, { session: [] }];
  }
  if (route.access !== 'undeclared') {
    operation['x-roles'] = route.access === 'public' ? 'public' : [...route.access];
    const who = route.access === 'public' ? 'Anyone, without a key.' : `Roles: ${route.access.join(', ')} (and admin).`;
    operation.description = operation.description ? `${operation.description}\n\n${who}` : who;
  }
  operation.responses = responsesOf(operation, route, args);
}

function responsesOf(operation: OperationObject, route: ApiRoute, args: RouteArguments): Record<string, ResponseObject | ReferenceObject> {
  const answers = answersOf(route.handler);
  const responses: Record<string, ResponseObject | ReferenceObject> = {};
  // What swagger found on its own (terminus' health schemas) stays unless the route says otherwise;
  // its placeholder answers without content go when the route declares its answers.
  for (const [status, response] of Object.entries(operation.responses ?? {}) as [string, ResponseObject | ReferenceObject][]) {
    if (answers.length === 0 || (response as ResponseObject).content !== undefined) responses[status] = response;
  }
  const readsConsistently = ((operation.parameters ?? []) as ParameterObject[]).some((p) => p.in === 'query' && p.name === 'minPosition');
  for (const answer of answers) responses[String(answer.status)] = answerResponse(answer, readsConsistently);
  for (const [status, description] of refusalsFor(route, args)) {
    responses[String(status)] = {
      description,
      ...(REFUSAL_HEADERS[status] ? { headers: REFUSAL_HEADERS[status] } : {}),
      content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } },
    };
  }
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

function answerResponse(answer: ApiAnswerSpec, readsConsistently: boolean): ResponseObject {
  if (answer.schema === undefined && answer.mediaType === undefined) return { description: answer.description };
  const content = answer.schema !== undefined
    ? { 'application/json': { schema: { $ref: `#/components/schemas/${answer.schema}` } } }
    : { [answer.mediaType ?? 'text/plain']: { schema: { type: 'string' as const } } };
  if (answer.ndjsonLine !== undefined) {
    // OpenAPI 3.0 cannot say "a sequence of JSON values": the body is text, and `x-ndjson-line` names
    // the schema every line (one JSON value) follows, for clients and the contract test.
    Object.assign(content, {
      [NDJSON_MEDIA_TYPE]: {
        schema: { type: 'string', description: `One ${answer.ndjsonLine} as JSON per line (UTF-8, newline-terminated); asked for with Accept: ${NDJSON_MEDIA_TYPE}.`, 'x-ndjson-line': { $ref: `#/components/schemas/${answer.ndjsonLine}` } },
      },
    });
  }
  return {
    description: answer.description,
    ...(readsConsistently
      ? { headers: { [CONSISTENCY_HEADER]: { description: 'Whether the answer is known to include `minPosition`', schema: { type: 'string', enum: ['true', 'false'] } } } }
      : {}),
    content,
  };
}

/** The refusals a route can answer with: those of its shape, and its own. */
function refusalsFor(route: ApiRoute, args: RouteArguments): Map<number, string> {
  const refusals = new Map<number, string>([[400, REFUSALS[400] as string]]);
  if (isUnder(route.path, '/v1')) refusals.set(406, REFUSALS[406] as string);
  if (route.access !== 'public') {
    refusals.set(401, REFUSALS[401] as string);
    refusals.set(403, REFUSALS[403] as string);
    refusals.set(503, REFUSALS[503] as string);
  }
  if (args.body) {
    refusals.set(413, REFUSALS[413] as string);
    refusals.set(415, REFUSALS[415] as string);
  }
  if (route.path.includes('{')) refusals.set(404, `${REFUSALS[404]} ${NAMING[404]}`);
  const idempotent = route.method !== 'GET' && (Reflect.getMetadata(IDEMPOTENT_METADATA, route.handler) || Reflect.getMetadata(IDEMPOTENT_METADATA, route.controller));
  if (idempotent) refusals.set(409, REFUSALS[409] as string);
  for (const [status, own] of Object.entries(refusalsOf(route.handler))) {
    const code = Number(status);
    const description = NAMING[code] === undefined ? own : `${own} ${NAMING[code]}`;
    refusals.set(code, code === 409 && idempotent ? `${description} Or: ${REFUSALS[409]}` : description);
  }
  return new Map([...refusals].sort(([a], [b]) => a - b));
}
