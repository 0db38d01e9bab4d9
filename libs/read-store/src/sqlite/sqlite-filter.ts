// Compiles the ReadStore port's typed Filter, sort and aggregate specs to parameterised SQLite over
// JSON documents. Every field is read with the same `json_extract(doc, '$.<path>')` expression the
// expression indexes are built on, so the planner can use them; values are always bound parameters.
// Semantics follow MongoDB's: a missing field equals null, `ne` matches a missing field, range
// operators only compare values of the same type (numbers with numbers, strings with strings).
import type { FieldOperators, Filter, Scalar, SortField } from '../read-store.port';
import { isLogical, isOperators, prefixUpperBound } from '../filter-parts';

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** SQLite values a filter binds (booleans are bound as 1/0 and checked by json_type). */
export type SqlValue = string | number | null;

export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Throws unless `field` is a plain (dotted) identifier path: only such names reach SQL text. */
export function assertFieldPath(field: string): void {
  if (!FIELD_PATH.test(field)) throw new Error(`Invalid field path: ${JSON.stringify(field)}`);
}

/** The table of a collection; throws unless the name is a plain identifier. */
export function tableName(collection: string): string {
  if (!COLLECTION_NAME.test(collection)) throw new Error(`Invalid collection name: ${JSON.stringify(collection)}`);
  return `rm_${collection}`;
}

/**
 * The SQL expression reading a field. `id` is the primary-key column; every other field (including
 * `lastPosition`, which is also kept in the JSON) is read from the document, exactly as indexed.
 */
export function fieldExpression(field: string): string {
  assertFieldPath(field);
  return field === 'id' ? 'id' : `json_extract(doc, '$.${field}')`;
}

/** `json_type` of a field: NULL when missing, 'null' for JSON null, else the JSON type name. */
function typeExpression(field: string): string {
  assertFieldPath(field);
  return field === 'id' ? `'text'` : `json_type(doc, '$.${field}')`;
}

export function compileFilter(filter: Filter): SqlFragment {
  if (isLogical(filter, 'and')) return combine(filter.and.map(compileFilter), 'AND', '1');
  if (isLogical(filter, 'or')) return combine(filter.or.map(compileFilter), 'OR', '0');
  const parts: SqlFragment[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (isOperators(condition)) parts.push(...compileOperators(field, condition));
    else parts.push(equals(field, condition));
  }
  return combine(parts, 'AND', '1');
}

/** ORDER BY for a sort; a final tie-break on id keeps skip/limit pages stable (as on MongoDB). */
export function compileSort(sort: readonly SortField[]): string {
  const terms = sort.map((s) => `${fieldExpression(s.field)} ${s.direction === 'asc' ? 'ASC' : 'DESC'}`);
  if (!sort.some((s) => s.field === 'id')) terms.push('id ASC');
  return terms.join(', ');
}

function combine(parts: readonly SqlFragment[], joiner: 'AND' | 'OR', empty: '1' | '0'): SqlFragment {
  if (parts.length === 0) return { sql: empty, params: [] };
  if (parts.length === 1) return parts[0] as SqlFragment;
  return { sql: parts.map((p) => `(${p.sql})`).join(` ${joiner} `), params: parts.flatMap((p) => p.params) };
}



function compileOperators(field: string, ops: FieldOperators): SqlFragment[] {
  const parts: SqlFragment[] = [];
  if (ops.eq !== undefined) parts.push(equals(field, ops.eq));
  if (ops.ne !== undefined) parts.push(notEquals(field, ops.ne));
  if (ops.gt !== undefined) parts.push(range(field, '>', ops.gt));
  if (ops.gte !== undefined) parts.push(range(field, '>=', ops.gte));
  if (ops.lt !== undefined) parts.push(range(field, '<', ops.lt));
  if (ops.lte !== undefined) parts.push(range(field, '<=', ops.lte));
  if (ops.in !== undefined) parts.push(oneOf(field, ops.in));
  if (ops.prefix !== undefined) parts.push(prefix(field, ops.prefix));
  if (ops.contains !== undefined) parts.push(contains(field, ops.contains));
  if (ops.exists !== undefined) parts.push({ sql: `${typeExpression(field)} IS ${ops.exists ? 'NOT NULL' : 'NULL'}`, params: [] });
  return parts;
}

/**
 * json_extract turns JSON true/false into 1/0 and arrays/objects into JSON text, so a bare `=` would
 * let `eq: 1` match `true` and `eq: '[1]'` match an array; the json_type check keeps types apart
 * where they can meet (typeCheckNeeded). The `expr = ?` comes first so an index on the field is used.
 */
function equals(field: string, value: Scalar): SqlFragment {
  const expr = fieldExpression(field);
  if (value === null) return { sql: `${expr} IS NULL`, params: [] };
  if (typeof value === 'boolean') return { sql: `${typeExpression(field)} = '${value ? 'true' : 'false'}'`, params: [] };
  return { sql: typeCheckNeeded([value]) ? `${expr} = ? AND ${typeCheck(field, value)}` : `${expr} = ?`, params: [value] };
}

/**
 * Whether `json_extract(…) = value` (or IN values) could match a value of another JSON type: SQLite
 * compares without conversion here (neither side has an affinity), so a number only meets the 1 or 0
 * of a boolean, and a string only meets the JSON text of an array or object, which starts with `[` or
 * `{`. Any other equality needs no `json_type`, which parses each candidate's document once more (a
 * customer's timeline page: about a fifth of its query).
 */
function typeCheckNeeded(values: readonly (string | number)[]): boolean {
  return values.some((value) => (typeof value === 'number' ? value === 0 || value === 1 : value.startsWith('[') || value.startsWith('{')));
}

function notEquals(field: string, value: Scalar): SqlFragment {
  if (value === null) return { sql: `${fieldExpression(field)} IS NOT NULL`, params: [] };
  const match = equals(field, value);
  // A missing field is not equal to anything (MongoDB's $ne matches it).
  return { sql: `${fieldExpression(field)} IS NULL OR NOT (${match.sql})`, params: match.params };
}

function range(field: string, operator: '>' | '>=' | '<' | '<=', value: string | number): SqlFragment {
  return { sql: `${fieldExpression(field)} ${operator} ? AND ${typeCheck(field, value)}`, params: [value] };
}

function oneOf(field: string, values: readonly Scalar[]): SqlFragment {
  const plain = values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  const others = values.filter((v) => typeof v !== 'string' && typeof v !== 'number');
  const parts: SqlFragment[] = others.map((v) => equals(field, v));
  const strings = plain.filter((v) => typeof v === 'string');
  const numbers = plain.filter((v) => typeof v === 'number');
  const expr = fieldExpression(field);
  const listed = (values: readonly (string | number)[], kind: string | number): SqlFragment => {
    const sql = `${expr} IN (${values.map(() => '?').join(', ')})`;
    return { sql: typeCheckNeeded(values) ? `${sql} AND ${typeCheck(field, kind)}` : sql, params: values };
  };
  if (strings.length > 0) parts.push(listed(strings, ''));
  if (numbers.length > 0) parts.push(listed(numbers, 0));
  return combine(parts, 'OR', '0');
}

/**
 * A prefix as the range [prefix, next): SQLite compares text byte-wise (UTF-8, so by code point),
 * and a range on the indexed expression is an index search where LIKE or substr would scan.
 */
function prefix(field: string, start: string): SqlFragment {
  const expr = fieldExpression(field);
  const upper = prefixUpperBound(start);
  // Every text in the range starts with `start` (numbers and booleans sort below any text): only an
  // empty prefix, or one an array's or object's JSON text could start with, needs the type check.
  const check = start === '' || typeCheckNeeded([start]) ? ` AND ${typeCheck(field, '')}` : '';
  if (upper === null) {
    return { sql: `${expr} >= ? AND substr(${expr}, 1, ?) = ?${check}`, params: [start, start.length, start] };
  }
  return { sql: `${expr} >= ? AND ${expr} < ?${check}`, params: [start, upper] };
}


/** An array field holding the value (a scalar field equal to it also matches, as on MongoDB). */
function contains(field: string, value: Scalar): SqlFragment {
  if (field === 'id') return equals(field, value);
  assertFieldPath(field);
  const each = `json_each(doc, '$.${field}')`;
  if (value === null) return { sql: `EXISTS (SELECT 1 FROM ${each} WHERE type = 'null')`, params: [] };
  if (typeof value === 'boolean') return { sql: `EXISTS (SELECT 1 FROM ${each} WHERE type = '${value ? 'true' : 'false'}')`, params: [] };
  const types = typeof value === 'number' ? `('integer', 'real')` : `('text')`;
  return { sql: `EXISTS (SELECT 1 FROM ${each} WHERE value = ? AND type IN ${types})`, params: [value] };
}

function typeCheck(field: string, value: string | number): string {
  return typeof value === 'number' ? `${typeExpression(field)} IN ('integer', 'real')` : `${typeExpression(field)} = 'text'`;
}
