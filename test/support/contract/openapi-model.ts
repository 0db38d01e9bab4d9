// The served OpenAPI document as the contract tests read it: its operations, and a validator that checks
// a value against any of its schemas (ajv; OpenAPI 3.0's `nullable` turned into JSON Schema first).
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = { [key: string]: Json };

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: Schema;
}

export interface DocumentedResponse {
  readonly status: number;
  /** Media type → schema. */
  readonly content: Readonly<Record<string, Schema | undefined>>;
}

export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly id: string;
  readonly parameters: readonly Parameter[];
  readonly body?: Schema;
  readonly responses: ReadonlyMap<number, DocumentedResponse>;
  /** `x-roles`: the roles that may call it (admin besides), or `public`. */
  readonly roles: readonly string[] | 'public';
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Json>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Schema | undefined;
      if (!operation) continue;
      const responses = new Map<number, DocumentedResponse>();
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Schema>)) {
        const content = Object.fromEntries(Object.entries((response.content ?? {}) as Record<string, Schema>).map(([type, media]) => [type, media.schema as Schema | undefined]));
        responses.set(Number(status), { status: Number(status), content });
      }
      const body = ((operation.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined)?.['application/json']?.schema as Schema | undefined;
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        id: String(operation.operationId),
        parameters: ((operation.parameters ?? []) as Schema[]).map((p) => ({ name: String(p.name), in: p.in as Parameter['in'], required: p.required === true, schema: (p.schema ?? {}) as Schema })),
        ...(body ? { body } : {}),
        responses,
        roles: operation['x-roles'] === 'public' ? 'public' : ((operation['x-roles'] ?? []) as string[]),
      });
    }
  }
  return operations.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The schema a `$ref` (or a chain of them, or a single-branch allOf) stands for. */
export function resolve(document: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 20; hops += 1) {
    if (typeof current.$ref === 'string') {
      const name = current.$ref.replace('#/components/schemas/', '');
      const target = document.components.schemas[name];
      if (!target) throw new Error(`Unknown schema ${current.$ref}`);
      current = target;
    } else if (Array.isArray(current.allOf) && current.allOf.length === 1 && current.properties === undefined) {
      const { allOf, ...rest } = current;
      current = { ...rest, ...resolve(document, allOf[0] as Schema) };
    } else return current;
  }
  throw new Error('A $ref chain too long');
}

/** The component name a schema refers to, if it is a reference. */
export function refName(schema: Schema): string | undefined {
  return typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;
}

/** OpenAPI 3.0's schema dialect as JSON Schema: `nullable: true` becomes "or null". */
export function toJsonSchema(schema: Json, root = ''): Json {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, root));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = `${root}${value}`;
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Schema).map(([name, property]) => [name, toJsonSchema(property, root)]));
    else out[key] = toJsonSchema(value, root);
  }
  if (schema.nullable === true) {
    // An enum says its values outright: null joins them.
    if (Array.isArray(out.enum)) return { ...out, enum: [...out.enum, null], ...(out.type ? { type: [out.type as string, 'null'] } : {}) };
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/** Validates values against the document's schemas; the errors name where a value departs from its schema. */
export class ContractValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    addFormats(this.ajv);
    const schemas = Object.fromEntries(Object.entries(document.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]));
    this.ajv.addSchema({ $id: 'chronicle', components: { schemas } } as Schema, 'chronicle');
  }

  /** Error lines, empty when `value` matches `schema` (a schema of the document, with refs into it). */
  errors(schema: Schema, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema, 'chronicle') as Schema);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 8).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  }
}
