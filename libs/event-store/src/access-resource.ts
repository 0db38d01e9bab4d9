// What the access log records as the resource of a read: the method, the path and the names of the
// query parameters, never their values. One function for the recorder and for the SQLite log's scrub
// of entries written before.

/** A query parameter's name as routes declare them; anything else (`?ada@example.com`) is not echoed either. */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/**
 * What the access log records as the resource read: the method, the path and the names of the query
 * parameters with every value left out (`GET /v1/customers?email=…`). A search by email, phone or name
 * puts personal values in the query string, and the log is append-only: they would outlive a forget.
 * The names tell an auditor which kind of search found the customer. Given the names the route
 * `declared`, any other is left out too (`…`).
 */
export function accessResource(method: string, url: string, declared?: ReadonlySet<string>): string {
  // Path and query split as platform's pathOf does (this library sits below platform).
  const [path = url, query = ''] = url.split(/\?(.*)/s, 2);
  const names: string[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const raw = part.split('=', 1)[0];
    let name: string;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      name = '';
    }
    // `declared`: the query parameters the route takes. Any other name is refused by its validation, but
    // the entry is recorded while the route runs: such a name (an id, a token, a value sent as a name) stays out.
    const shown = PARAMETER_NAME.test(name) && (declared === undefined || declared.has(name)) ? name : '…';
    if (!names.includes(shown)) names.push(shown);
  }
  return names.length === 0 ? `${method} ${path}` : `${method} ${path}?${names.map((name) => (name === '…' ? name : `${name}=…`)).join('&')}`;
}
