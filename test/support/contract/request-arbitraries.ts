// Requests generated from the OpenAPI document with fast-check: valid ones from each operation's
// schemas (with the ids of things that exist, so they reach the handlers rather than only 404s), and
// invalid ones made from a valid request by one mutation the schema forbids. Nothing here knows a
// route: a new operation of the document is generated for like the others.
import fc from 'fast-check';
import { refName, resolve, type Json, type OpenApiDocument, type Operation, type Parameter, type Schema } from './openapi-model';

/** Values that exist in the app under test, by the field or parameter names that carry them. */
export type Pools = Readonly<Record<string, readonly string[]>>;

export interface GeneratedRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, Json>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Undefined: no body is sent. */
  readonly body?: Json;
  /** What was broken on purpose, for invalid requests. */
  readonly mutation?: string;
  /**
   * What the schema must refuse, checked with ajv before the request is sent: a request whose mutation
   * the schema does not forbid is sent as an ordinary one.
   */
  readonly invalid?: {
    readonly where: 'body' | 'query' | 'path' | 'header';
    readonly name?: string;
    /** The index in the body's `items` the mutation is in, for batch bodies. */
    readonly item?: number;
    /** Invalid by the document's general rules (a body where none is taken, a wrong Content-Type), not by a schema. */
    readonly forced?: boolean;
  };
}

const MAX_DEPTH = 4;
/** Text a free-text field's pattern takes (letters of several scripts, a space): tells text fields from ids and codes. */
const TEXT_PROBE = 'Zoë Ünal 名前';
const LONGEST_GENERATED_STRING = 40;
const DAY_MS = 86_400_000;

export class RequestArbitraries {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly pools: Pools,
    /** The latest instant generated business times may take (the server refuses the future). */
    private readonly now: Date,
  ) {}

  /** A request the document describes as valid (which business rules may still refuse). */
  valid(operation: Operation): fc.Arbitrary<GeneratedRequest> {
    const path = fc.tuple(...operation.parameters.filter((p) => p.in === 'path').map((p) => this.value(p.schema, p.name, 0).map((v) => [p.name, v] as const)));
    const query = fc.tuple(...operation.parameters.filter((p) => p.in === 'query').map((p) => this.optional(p, this.value(p.schema, p.name, 0))));
    const idempotencyKey = operation.parameters.some((p) => p.name === 'Idempotency-Key')
      ? fc.option(fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/), { freq: 3 })
      : fc.constant(null);
    const body = operation.body ? this.value(operation.body, undefined, 0) : fc.constant(undefined);
    // Where a success is documented in several media types (JSON or NDJSON), ask for each.
    const offered = [...new Set([...operation.responses.values()].filter((r) => r.status < 300).flatMap((r) => Object.keys(r.content)))];
    const accept = offered.length > 1 ? fc.option(fc.constantFrom(...offered), { freq: 3 }) : fc.constant(null);
    return fc.record({ path, query, idempotencyKey, body, accept }).map(({ path: params, query: queryValues, idempotencyKey: key, body: value, accept: mediaType }) => ({
      path: fillPath(operation.path, Object.fromEntries(params.map(([name, v]) => [name, String(v)]))),
      query: Object.fromEntries(queryValues.filter((entry): entry is [string, Json] => entry !== null)),
      // Keys are unique per API key across routes, and one seed draws the same keys for every operation: the
      // operation's name in the key keeps one operation's requests from being refused as another's retries.
      headers: { ...(key === null ? {} : { 'Idempotency-Key': `${operation.id.replace(/[^A-Za-z0-9]+/g, '-')}-${key}` }), ...(mediaType === null ? {} : { Accept: mediaType }) } as Record<string, string>,
      ...(value !== undefined ? { body: value as Json } : {}),
    }));
  }

  /** A valid request with one thing broken that the document forbids. */
  invalid(operation: Operation): fc.Arbitrary<GeneratedRequest> {
    // Its own Idempotency-Key: the valid request drawn first under the same seed has the same one, and a
    // reused key is refused before the mutation is looked at.
    const own = (request: GeneratedRequest): GeneratedRequest => {
      const key = request.headers['Idempotency-Key'];
      return key === undefined ? request : { ...request, headers: { ...request.headers, 'Idempotency-Key': `${key}-invalid` } };
    };
    return this.valid(operation).map(own).chain((request) => {
      const mutations: fc.Arbitrary<GeneratedRequest>[] = [];
      if (operation.body && request.body !== undefined) mutations.push(this.mutateBody(operation.body, request));
      if (operation.body) mutations.push(fc.constantFrom<Json>([], 'text', 42, null, true).map((body) => ({ ...request, body, mutation: `body ${JSON.stringify(body)}`, invalid: { where: 'body' as const } })));
      if (operation.body) {
        mutations.push(fc.constant({ ...request, headers: { ...request.headers, 'Content-Type': 'text/plain' }, mutation: 'Content-Type text/plain', invalid: { where: 'header' as const, forced: true } }));
      } else {
        mutations.push(fc.constant({ ...request, body: {}, mutation: 'a body where the route takes none', invalid: { where: 'body' as const, forced: true } }));
      }
      const query = operation.parameters.filter((p) => p.in === 'query');
      if (query.length > 0) mutations.push(this.mutateQuery(query, request));
      mutations.push(fc.constantFrom('zzUnknown', '__proto__').map((name) => ({ ...request, query: { ...request.query, [name]: '1' }, mutation: `unknown query parameter ${name}`, invalid: { where: 'query' as const, name } })));
      const path = operation.parameters.filter((p) => p.in === 'path');
      if (path.length > 0) mutations.push(this.mutatePath(operation, path, request));
      if (operation.parameters.some((p) => p.name === 'Idempotency-Key')) {
        mutations.push(fc.constantFrom('', 'x'.repeat(201), 'has space', 'caf\u00e9').map((key) => ({ ...request, headers: { ...request.headers, 'Idempotency-Key': key }, mutation: `Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, invalid: { where: 'header' as const, name: 'Idempotency-Key' } })));
      }
      return fc.oneof(...mutations);
    });
  }

  private optional(parameter: Parameter, value: fc.Arbitrary<Json>): fc.Arbitrary<[string, Json] | null> {
    const entry = value.map((v) => [parameter.name, v] as [string, Json]);
    return parameter.required ? entry : fc.option(entry, { freq: 2 });
  }

  /** A value the schema accepts; `name` is the field or parameter it goes to (for the pools). */
  value(schema: Schema, name: string | undefined, depth: number, stack: readonly string[] = []): fc.Arbitrary<Json> {
    const ref = refName(schema);
    const resolved = resolve(this.document, schema);
    const here = ref ? [...stack, ref] : stack;
    const base = this.nonNull(resolved, name, depth, here);
    return resolved.nullable === true ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 5, arbitrary: base }) : base;
  }

  private nonNull(schema: Schema, name: string | undefined, depth: number, stack: readonly string[]): fc.Arbitrary<Json> {
    const pooled = name !== undefined ? this.pooled(name, schema) : undefined;
    if (pooled) return pooled;
    for (const combinator of ['anyOf', 'oneOf'] as const) {
      const branches = schema[combinator];
      if (Array.isArray(branches)) {
        // Deep in a recursive schema (a segment rule's all/any/not), only branches that end the recursion.
        const usable = depth >= MAX_DEPTH ? branches.filter((b) => !stack.some((name) => JSON.stringify(resolve(this.document, b as Schema)).includes(`/${name}"`))) : branches;
        return fc.oneof(...(usable.length > 0 ? usable : branches).map((b) => this.value(b as Schema, name, depth + 1, stack)));
      }
    }
    if (Array.isArray(schema.allOf)) return this.value(mergeAllOf(this.document, schema), name, depth, stack);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as Json[]).filter((v) => v !== null));
    switch (schema.type) {
      case 'string':
        return this.string(schema, name);
      case 'integer': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
        return fc.integer({ min, max }).filter((n) => !forbidden(schema, n));
      }
      case 'number':
        return fc.double({ min: typeof schema.minimum === 'number' ? schema.minimum : -1e6, max: typeof schema.maximum === 'number' ? schema.maximum : 1e6, noNaN: true, noDefaultInfinity: true });
      case 'boolean':
        return fc.boolean();
      case 'array': {
        const items = (schema.items ?? {}) as Schema;
        const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
        const maxLength = Math.max(minLength, Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, depth >= MAX_DEPTH ? minLength : 3));
        return fc.array(this.value(items, singular(name), depth + 1, stack), { minLength, maxLength });
      }
      case 'object':
      default:
        if (schema.properties !== undefined || schema.type === 'object') return this.object(schema, depth, stack);
        return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
    }
  }

  private object(schema: Schema, depth: number, stack: readonly string[]): fc.Arbitrary<Json> {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set((schema.required ?? []) as string[]);
    const entries = Object.entries(properties).map(([key, property]) => [key, this.value(property, key, depth + 1, stack)] as const);
    if (entries.length === 0) return fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxKeys: 3 }) as fc.Arbitrary<Json>;
    const record = fc.record(Object.fromEntries(entries), { requiredKeys: [...required].filter((key) => key in properties) }) as fc.Arbitrary<Record<string, Json>>;
    const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    return minProperties > 0 ? record.filter((value) => Object.keys(value).length >= minProperties) : record;
  }

  private string(schema: Schema, name: string | undefined): fc.Arbitrary<Json> {
    const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : 10_000;
    const fits = (s: string) => s.length >= minLength && [...s].length <= maxLength;
    if (schema.format === 'date-time') return this.instant();
    if (schema.format === 'email') return fc.emailAddress().filter(fits);
    if (schema.format === 'uri') return fc.webUrl().filter(fits);
    if (typeof schema.pattern === 'string') {
      const pattern = new RegExp(schema.pattern, 'u');
      const matching = fc.stringMatching(pattern).filter(fits);
      // Text fields (a pattern that takes letters of any script): any Unicode beside the pattern's own
      // ASCII, so accents, scripts and emoji are sent too. Ids, codes and column lists keep to their
      // pattern: random graphemes almost never match it, and the filter would draw forever.
      if (!pattern.test(TEXT_PROBE)) return matching;
      const unicode = fc.string({ unit: 'grapheme', minLength: Math.max(minLength, 1), maxLength: Math.min(maxLength, LONGEST_GENERATED_STRING) }).filter((s) => pattern.test(s) && fits(s));
      return fc.oneof(matching, unicode);
    }
    return fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, Math.max(minLength, LONGEST_GENERATED_STRING)) });
  }

  /** A business time within the last 30 days, to the second, in UTC or with an offset. */
  private instant(): fc.Arbitrary<Json> {
    const latest = this.now.getTime() - 60_000;
    return fc.tuple(fc.integer({ min: latest - 30 * DAY_MS, max: latest }), fc.constantFrom(0, 60, -300, 330)).map(([ms, offsetMinutes]) => {
      const seconds = Math.floor(ms / 1000) * 1000;
      if (offsetMinutes === 0) return new Date(seconds).toISOString().replace('.000Z', 'Z');
      const local = new Date(seconds + offsetMinutes * 60_000).toISOString().slice(0, 19);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    });
  }

  /** Existing ids (and sensible values) for names the app knows; mostly those, sometimes anything the schema allows. */
  private pooled(name: string, schema: Schema): fc.Arbitrary<Json> | undefined {
    const pool = this.pools[name];
    if (pool && pool.length > 0 && (schema.type === 'string' || schema.type === undefined)) {
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: this.string(schema, undefined) });
    }
    if ((name === 'from' || name === 'to') && schema.type === 'string') {
      return fc.integer({ min: -60, max: 1 }).map((days) => new Date(this.now.getTime() + days * DAY_MS).toISOString().slice(0, 10));
    }
    if (name === 'minPosition' && schema.type === 'integer') return fc.integer({ min: 0, max: 50 });
    if (name.endsWith('Minor') && schema.type === 'integer') {
      // Amounts of money: mostly prices and refunds of everyday size, so orders stay within their total
      // bound and refunds within what is left often enough to be recorded; sometimes anything allowed.
      const min = typeof schema.minimum === 'number' ? schema.minimum : 0;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER;
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max: Math.max(min, Math.min(max, 10_000)) }) }, { weight: 1, arbitrary: fc.integer({ min, max }) });
    }
    if (name === 'currency' && Array.isArray(schema.enum)) return fc.oneof({ weight: 5, arbitrary: fc.constant('EUR') }, { weight: 1, arbitrary: fc.constantFrom(...(schema.enum as string[])) });
    return undefined;
  }

  private mutateBody(bodySchema: Schema, request: GeneratedRequest): fc.Arbitrary<GeneratedRequest> {
    const targets = objectNodes(this.document, bodySchema, request.body, []);
    return fc.constantFrom(...targets).chain((target) => {
      const properties = (target.schema.properties ?? {}) as Record<string, Schema>;
      const present = Object.keys(target.value).filter((key) => key in properties);
      const required = ((target.schema.required ?? []) as string[]).filter((key) => key in target.value);
      const options: fc.Arbitrary<{ change: (node: Record<string, Json>) => void; what: string }>[] = [];
      if (target.schema.additionalProperties === false) options.push(fc.constant({ change: (node) => void (node.zzUnknown = 1), what: 'unknown field zzUnknown' }));
      if (required.length > 0) options.push(fc.constantFrom(...required).map((key) => ({ change: (node) => void delete node[key], what: `required ${key} left out` })));
      if (present.length > 0) {
        options.push(
          fc.constantFrom(...present).chain((key) =>
            fc.constantFrom(...badValues(resolve(this.document, properties[key] as Schema))).map((bad) => ({ change: (node: Record<string, Json>) => void (node[key] = bad), what: `${key} = ${JSON.stringify(bad).slice(0, 60)}` })),
          ),
        );
      }
      if (options.length === 0) options.push(fc.constant({ change: (node) => void (node.zzUnknown = 1), what: 'unknown field zzUnknown' }));
      return fc.oneof(...options).map(({ change, what }) => {
        const body = structuredClone(request.body) as Json;
        change(at(body, target.path) as Record<string, Json>);
        // A mutation inside `items[n]` of a batch body: the item is what breaks the schema.
        const item = target.path[0] === 'items' && /^\d+$/.test(String(target.path[1])) ? Number(target.path[1]) : undefined;
        return { ...request, body, mutation: `${target.path.length > 0 ? `${target.path.join('.')}: ` : ''}${what}`, invalid: { where: 'body' as const, ...(item !== undefined ? { item } : {}) } };
      });
    });
  }

  private mutateQuery(parameters: readonly Parameter[], request: GeneratedRequest): fc.Arbitrary<GeneratedRequest> {
    return fc.constantFrom(...parameters).chain((parameter) =>
      fc.constantFrom(...badValues(resolve(this.document, parameter.schema)).filter((v) => v !== null && typeof v !== 'object')).map((bad) => ({
        ...request,
        query: { ...request.query, [parameter.name]: bad },
        mutation: `query ${parameter.name}=${JSON.stringify(bad).slice(0, 60)}`,
        invalid: { where: 'query' as const, name: parameter.name },
      })),
    );
  }

  private mutatePath(operation: Operation, parameters: readonly Parameter[], request: GeneratedRequest): fc.Arbitrary<GeneratedRequest> {
    return fc.tuple(fc.constantFrom(...parameters), fc.constantFrom('-starts-with-dash', 'has space', 'x'.repeat(101), 'caf\u00e9', 'a/b')).map(([parameter, bad]) => {
      // Keep the other parameters as generated: read them back from the generated path.
      const values: Record<string, string> = {};
      const segments = request.path.split('/');
      const template = operation.path.split('/');
      template.forEach((part, index) => {
        const match = /^\{(.+)\}$/.exec(part);
        if (match) values[match[1] as string] = decodeURIComponent(segments[index] ?? '');
      });
      values[parameter.name] = bad;
      return { ...request, path: fillPath(operation.path, values), mutation: `path ${parameter.name}=${JSON.stringify(bad.slice(0, 30))}`, invalid: { where: 'path' as const, name: parameter.name } };
    });
  }
}

/** Values of another type, out of range or off pattern: each is one the schema refuses (checked before sending). */
function badValues(schema: Schema): Json[] {
  const bad: Json[] = [];
  if (schema.nullable !== true) bad.push(null);
  switch (schema.type) {
    case 'string':
      bad.push(7, true, {}, []);
      if (typeof schema.maxLength === 'number') bad.push('x'.repeat(schema.maxLength + 1));
      if (typeof schema.minLength === 'number' && schema.minLength > 0) bad.push('');
      if (Array.isArray(schema.enum)) bad.push('not-one-of-them', String(schema.enum[0]).toUpperCase() + '!');
      if (typeof schema.pattern === 'string') bad.push('bell\u0007', 'rtl\u202Eoverride', '   ', 'line\nbreak', '');
      break;
    case 'integer':
      bad.push('7', 1.5, true);
      if (typeof schema.maximum === 'number') bad.push(schema.maximum + 1);
      if (typeof schema.minimum === 'number') bad.push(schema.minimum - 1);
      break;
    case 'number':
      bad.push('7', true);
      break;
    case 'boolean':
      bad.push('true', 1);
      break;
    case 'array':
      bad.push({}, 'x');
      if (typeof schema.minItems === 'number' && schema.minItems > 0) bad.push([]);
      break;
    case 'object':
      bad.push([], 'x', 3);
      break;
    default:
      if (Array.isArray(schema.enum)) bad.push('not-one-of-them');
      else bad.push(Symbol.for('none') as never);
  }
  return bad.filter((value) => typeof value !== 'symbol');
}

/** Every object in a generated value together with its schema and path, the root first. */
export function objectNodes(document: OpenApiDocument, schema: Schema, value: unknown, path: readonly (string | number)[]): { schema: Schema; value: Record<string, Json>; path: (string | number)[] }[] {
  const resolved = resolve(document, schema);
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) {
    if (resolved.type !== 'array' || !resolved.items) return [];
    return value.flatMap((item, index) => objectNodes(document, resolved.items as Schema, item, [...path, index]));
  }
  if (resolved.properties === undefined) {
    // A union with a discriminator (a batch item): the branch the value's tag maps to is its schema.
    const branch = discriminatedBranch(resolved, value as Record<string, Json>);
    if (branch) return objectNodes(document, branch, value, path);
    // Another union (a segment rule node): which branch the value took is not said; it is not mutated.
    return [];
  }
  const here = { schema: resolved, value: value as Record<string, Json>, path: [...path] };
  const properties = resolved.properties as Record<string, Schema>;
  return [here, ...Object.entries(value).flatMap(([key, child]) => (properties[key] ? objectNodes(document, properties[key] as Schema, child, [...path, key]) : []))];
}

/** The branch of a oneOf/anyOf a value's discriminator field maps to (OpenAPI `discriminator.mapping`), if the schema has one. */
function discriminatedBranch(schema: Schema, value: Readonly<Record<string, Json>>): Schema | undefined {
  const discriminator = schema.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
  if (!discriminator?.propertyName || !discriminator.mapping) return undefined;
  const tag = value[discriminator.propertyName];
  const $ref = typeof tag === 'string' && Object.hasOwn(discriminator.mapping, tag) ? discriminator.mapping[tag] : undefined;
  return $ref === undefined ? undefined : { $ref };
}

function at(value: Json, path: readonly (string | number)[]): Json {
  let current = value;
  for (const step of path) current = (current as Record<string | number, Json>)[step] as Json;
  return current;
}

function mergeAllOf(document: OpenApiDocument, schema: Schema): Schema {
  const { allOf, ...rest } = schema;
  const merged: Schema = { ...rest };
  for (const part of allOf as Schema[]) {
    const resolved = resolve(document, part);
    for (const [key, value] of Object.entries(resolved)) {
      if (key === 'properties') merged.properties = { ...((merged.properties as Schema) ?? {}), ...(value as Schema) };
      else if (key === 'required') merged.required = [...new Set([...((merged.required as string[]) ?? []), ...(value as string[])])];
      else if (merged[key] === undefined) merged[key] = value;
    }
  }
  return merged;
}

function forbidden(schema: Schema, value: Json): boolean {
  const not = schema.not as Schema | undefined;
  return Array.isArray(not?.enum) && not.enum.includes(value);
}

function singular(name: string | undefined): string | undefined {
  return name?.endsWith('s') ? name.slice(0, -1) : name;
}

export function fillPath(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? 'missing'));
}
