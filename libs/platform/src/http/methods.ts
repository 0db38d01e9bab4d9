// The methods that may change something (RFC 9110 §9.2.1, not "safe"): the ones a console session
// signs with its CSRF token, and the only ones a route's Idempotency-Key applies to.
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
