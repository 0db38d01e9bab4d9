// Turns the types exported by api-types.ts into OpenAPI 3.0 schemas (ts-json-schema-generator reads
// the TypeScript types and their doc comments, so the document cannot drift from the code), and
// writes them to api-type-schemas.generated.ts. A development tool: `npm run docs:api` runs it, the
// test test/e2e/openapi-document.e2e-spec.ts runs it to check that the committed file is current; nothing at
// run time imports it.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import { createFormatter, createParser, createProgram, DEFAULT_CONFIG, SchemaGenerator, type CompletedConfig } from 'ts-json-schema-generator';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const API_TYPES_FILE = join(__dirname, 'api-types.ts');
export const GENERATED_FILE = join(__dirname, 'api-type-schemas.generated.ts');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The names api-types.ts exports: each becomes a schema of that name. */
function exportedTypeNames(program: ts.Program): string[] {
  const source = program.getSourceFile(API_TYPES_FILE);
  if (!source) throw new Error(`${API_TYPES_FILE} is not part of the program`);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${API_TYPES_FILE} exports nothing`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.getName()).sort();
}

/** A definition name as an OpenAPI component name (`BatchItemResult<CommandOutcome>` → `BatchItemResultOfCommandOutcome`). */
export function componentName(definition: string): string {
  const name = definition.replace(/</g, 'Of').replace(/,\s*/g, 'And').replace(/[>\s]/g, '');
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`Type ${definition} has no usable schema name (${name}); export a named alias from api-types.ts`);
  return name;
}

/**
 * JSON Schema draft 7 as the generator writes it → the OpenAPI 3.0 schema dialect client generators
 * read best: `nullable` instead of null types, `enum` instead of `const`, refs to components.
 */
export function toOpenApi30(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toOpenApi30);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === 'definitions') continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = `#/components/schemas/${componentName(decodeURIComponent(value.replace('#/definitions/', '')))}`;
    else if (key === 'const') out.enum = [value];
    else if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as JsonObject).map(([name, property]) => [name, toOpenApi30(property)]));
    } else out[key] = toOpenApi30(value);
  }
  return refAlone(nullable(tuple(out)));
}

/** OpenAPI 3.0 ignores whatever stands beside a $ref (a description, say): keep it by wrapping the ref. */
function refAlone(schema: JsonObject): JsonObject {
  if (schema.$ref === undefined || Object.keys(schema).length === 1) return schema;
  const { $ref, ...rest } = schema;
  return { allOf: [{ $ref }], ...rest };
}

/** Null as a type, an enum member or an anyOf branch becomes `nullable: true`. */
function nullable(schema: JsonObject): JsonObject {
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== 'null');
    const { type: _type, ...rest } = schema;
    const withNull = types.length < schema.type.length;
    const typed: JsonObject = types.length === 1 ? { type: types[0] ?? null, ...rest } : { ...rest, anyOf: types.map((type) => ({ type })) };
    return withNull ? { ...typed, nullable: true } : typed;
  }
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) {
    return { ...schema, enum: schema.enum.filter((value) => value !== null), nullable: true };
  }
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const branches = schema[combinator];
    if (!Array.isArray(branches)) continue;
    const isNull = (branch: Json) => typeof branch === 'object' && branch !== null && !Array.isArray(branch) && branch.type === 'null' && Object.keys(branch).length === 1;
    if (!branches.some(isNull)) continue;
    const rest = branches.filter((branch) => !isNull(branch)) as JsonObject[];
    const { [combinator]: _branches, ...others } = schema;
    if (rest.length === 1) {
      const only = rest[0] as JsonObject;
      // A $ref takes no siblings in OpenAPI 3.0: wrap it to make it nullable.
      return only.$ref !== undefined ? { ...others, allOf: [only], nullable: true } : { ...others, ...only, nullable: true };
    }
    return { ...others, [combinator]: rest, nullable: true };
  }
  return schema;
}

/** OpenAPI 3.0 has no tuples: `[a, b]` is an array of a or b with exactly that many items. */
function tuple(schema: JsonObject): JsonObject {
  if (!Array.isArray(schema.items)) return schema;
  const items = schema.items;
  const { additionalItems: _additional, ...rest } = schema;
  return { ...rest, items: items.length === 1 ? (items[0] ?? {}) : { anyOf: items }, minItems: schema.minItems ?? items.length, maxItems: items.length };
}

/**
 * A schema as a component: an alias of another named type (`CustomerAnalyticsView = CustomerAnalysis`)
 * is `allOf` its target, since a component that is a bare `$ref` is a reference, not a schema object.
 */
function component(schema: Json): Json {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) && schema.$ref !== undefined && Object.keys(schema).length === 1 ? { allOf: [schema] } : schema;
}

/** Every type api-types.ts exports, and every type they use, as OpenAPI 3.0 schemas by name. */
export function generateApiTypeSchemas(): Record<string, Json> {
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    path: API_TYPES_FILE,
    tsconfig: join(ROOT, 'tsconfig.json'),
    expose: 'export',
    jsDoc: 'extended',
    // The answers are exactly these fields: a field the type does not declare fails the contract test.
    additionalProperties: false,
    skipTypeCheck: true,
    topRef: false,
    sortProps: false,
  };
  const program = createProgram(config);
  const generator = new SchemaGenerator(program, createParser(program, config), createFormatter(config), config);
  const schemas: Record<string, Json> = {};
  for (const name of exportedTypeNames(program)) {
    const schema = generator.createSchema(name) as JsonObject;
    const { definitions, ...root } = schema;
    for (const [definition, body] of Object.entries((definitions ?? {}) as JsonObject)) schemas[componentName(definition)] = component(toOpenApi30(body));
    // The root is the type itself, or a $ref to its definition when it aliases a named type.
    if (root.$ref === undefined) schemas[name] = toOpenApi30(root);
    else if (componentName(decodeURIComponent(String(root.$ref).replace('#/definitions/', ''))) !== name) schemas[name] = { allOf: [toOpenApi30(root)] };
  }
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = typedNulls(schema, schemas);
  const emptyObjects = Object.entries(schemas).flatMap(([name, schema]) => emptyObjectsIn(schema, name));
  if (emptyObjects.length > 0) {
    // What the generator makes of a type it cannot read (a field of a type intersected with an open
    // index signature, such as the read store's ReadDocument): never a real answer.
    throw new Error(`These fields came out as empty objects; derive the type from the read model's fields, not its stored document:\n  ${emptyObjects.join('\n  ')}`);
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * OpenAPI 3.0.3: `nullable` means something only beside a `type` (strict validators refuse it
 * elsewhere). A nullable reference or union without one becomes an `anyOf` with a branch that is
 * null alone, typed as the referenced schema is.
 */
function typedNulls(schema: Json, components: Readonly<Record<string, Json>>): Json {
  if (Array.isArray(schema)) return schema.map((item) => typedNulls(item, components));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, typedNulls(value, components)])) as JsonObject;
  if (out.nullable !== true || out.type !== undefined) return out;
  const { nullable: _nullable, allOf, anyOf, oneOf, ...rest } = out;
  const branches = (anyOf ?? oneOf ?? allOf) as JsonObject[] | undefined;
  if (!Array.isArray(branches) || (allOf !== undefined && branches.length !== 1) || [allOf, anyOf, oneOf].filter((c) => c !== undefined).length !== 1) {
    throw new Error(`A nullable schema without a type this generator cannot type: ${JSON.stringify(schema).slice(0, 200)}`);
  }
  const type = typeOfSchema(branches[0] ?? {}, components) ?? 'object';
  return { ...rest, [oneOf !== undefined ? 'oneOf' : 'anyOf']: [...branches, { type, nullable: true, enum: [null] }] };
}

/** The `type` a schema's values have, following references and single-branch wrappers. */
function typeOfSchema(schema: Json, components: Readonly<Record<string, Json>>, seen = new Set<string>()): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  if (typeof schema.type === 'string') return schema.type;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return undefined;
    seen.add(name);
    return typeOfSchema(components[name] ?? null, components, seen);
  }
  const only = Array.isArray(schema.allOf) && schema.allOf.length === 1 ? schema.allOf[0] : undefined;
  return only === undefined ? undefined : typeOfSchema(only, components, seen);
}

function emptyObjectsIn(schema: Json, path: string): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  if (Array.isArray(schema)) return schema.flatMap((item, index) => emptyObjectsIn(item, `${path}[${index}]`));
  const empty = schema.type === 'object' && typeof schema.properties === 'object' && schema.properties !== null && Object.keys(schema.properties).length === 0 && schema.additionalProperties === undefined;
  return [...(empty ? [path] : []), ...Object.entries(schema).flatMap(([key, value]) => emptyObjectsIn(value, `${path}.${key}`))];
}

/** The generated file's text. */
export function renderGeneratedFile(schemas: Record<string, Json>): string {
  return [
    '// Generated by `npm run docs:api` from api-types.ts (ts-json-schema-generator); do not edit.',
    "import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';",
    '',
    `export const API_TYPE_SCHEMAS: Readonly<Record<string, SchemaObject>> = ${JSON.stringify(schemas, null, 2)};`,
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(GENERATED_FILE, renderGeneratedFile(generateApiTypeSchemas()));
  process.stdout.write(`Wrote ${GENERATED_FILE}\n`);
}
