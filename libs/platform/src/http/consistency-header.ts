// Read-your-writes on the wire: a query given `minPosition` says in X-Chronicle-Consistent whether
// its answer is known to include that position (waitUntilCaughtUp decides; every such route answers it).
import type { FastifyReply } from 'fastify';
import { CONSISTENCY_HEADER } from '../openapi/openapi-document';

/** What a read answers besides its data: whether it is known to include `minPosition`. */
export interface Consistency {
  readonly consistent: boolean;
}

/** Sets X-Chronicle-Consistent from the read's answer. */
export function consistencyHeader(reply: FastifyReply, result: Consistency): void {
  reply.header(CONSISTENCY_HEADER, String(result.consistent));
}
