// What a client gets when Node cannot even parse its request (the HTTP server's `clientError`): a
// problem document like every other refusal, not Fastify's own `{"error":"Bad Request","message":
// "Client Error"}`. The commonest cause seen: a query string sent with raw UTF-8 (`?name=zébulon`
// unencoded, as curl sends it), which HTTP does not allow in a request target.
import type { Socket } from 'node:net';
import { ProblemException, toProblem } from '../errors/problem.filter';

/** The refusal for a request Node could not parse, by its parser's error code. */
export function clientErrorProblem(code: string | undefined): { status: number; detail: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, detail: 'The request did not arrive in time; send it again' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, detail: 'The request headers are larger than this server reads (16 KB)' };
    case 'HPE_INVALID_URL':
    case 'HPE_INVALID_PATH':
      return { status: 400, detail: 'The request target is not valid HTTP: characters outside ASCII in the path or the query must be percent-encoded (UTF-8)' };
    default:
      return { status: 400, detail: `The request cannot be read as HTTP (${code ?? 'malformed'})` };
  }
}

/** Fastify's clientErrorHandler: answers with a problem document and closes the connection. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A connection reset or already closed: nobody is left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, detail } = clientErrorProblem(error.code);
    // The same document every refusal is (toProblem); written raw, as no request or reply exists.
    const problem = toProblem(new ProblemException(status, detail, { code: 'MALFORMED_REQUEST' }));
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
