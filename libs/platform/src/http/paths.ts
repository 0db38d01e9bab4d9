/** Whether a request target's path is `prefix` or below it (case-insensitively, as routes match). */
export function isUnder(url: string, prefix: string): boolean {
  const lower = url.slice(0, prefix.length + 1).toLowerCase();
  return lower === prefix || lower === `${prefix}/` || lower === `${prefix}?`;
}

/** A request target's path: what comes before its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
