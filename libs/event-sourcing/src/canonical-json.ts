// One JSON text per JSON value: object keys sorted, everything else as JSON.stringify writes it
// (undefined fields left out, toJSON applied). Two values are the same JSON exactly when their
// canonical texts are equal, whatever order their keys were written in.

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (isPlainObject(field) ? sortedKeys(field) : field)) ?? 'null';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return sorted;
}
