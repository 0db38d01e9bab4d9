// Streams pages of JSON values as NDJSON (one value per line) with back-pressure: the next page is
// read only once the socket took the previous one, so an export of millions of events never sits
// in memory, and a client that stops reading stops the export. A failure after the first byte
// cannot become a problem document any more: the connection is cut, so the client sees a
// truncated (unterminated chunked) response instead of a short one that looks complete.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import { NDJSON_MEDIA_TYPE } from '@app/platform';



export async function streamNdjson<T>(reply: FastifyReply, pages: AsyncIterable<readonly T[]>, beforePage?: (page: readonly T[]) => Promise<void>): Promise<void> {
  const response = reply.raw;
  let gone = false;
  response.on('close', () => {
    gone = true;
  });
  const iterator = pages[Symbol.asyncIterator]();
  // The first page is read before the headers go out, so a failure there is still a proper error
  // (the reply is still Fastify's, and Nest's exception filter answers it).
  let next = await iterator.next();
  if (!next.done && beforePage) await beforePage(next.value);
  // From here the stream is written to the Node response itself, and Fastify must not answer too.
  // The headers already on the reply (an onRequest hook's, a decorator's) are Fastify's own until it
  // sends: they are copied over, as it would have.
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) response.setHeader(name, value);
  response.statusCode = 200;
  response.setHeader('Content-Type', `${NDJSON_MEDIA_TYPE}; charset=utf-8`);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    while (!next.done && !gone) {
      let chunk = '';
      for (const item of next.value) chunk += `${JSON.stringify(item)}\n`;
      if (!response.write(chunk)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
      if (gone) break;
      next = await iterator.next();
      if (!next.done && beforePage) await beforePage(next.value);
    }
  } catch (error) {
    response.destroy(error instanceof Error ? error : new Error(String(error)));
    return;
  } finally {
    if (gone) await iterator.return?.();
  }
  if (!gone) response.end();
}
