// Reads a server-sent event stream over a real HTTP connection for the end-to-end tests, with the
// console's own parser: wait for the next message that matches, see when the server ends the stream.
import { SseParser, type SseMessage } from '../../apps/console/src/sse-parser';

export interface SseConnection {
  readonly status: number;
  readonly headers: Headers;
  /** Every message received so far. */
  readonly messages: SseMessage[];
  /** Resolves with the first message (already received or to come) that matches. */
  next(matches: (message: SseMessage) => boolean): Promise<SseMessage>;
  /** Resolves when the server ended the stream ('end'), or rejects when the connection broke. */
  readonly ended: Promise<'end'>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const waiting = new Set<() => void>();
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let finished = false;
  const ended = (async (): Promise<'end'> => {
    if (!response.body) return 'end';
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'end';
        messages.push(...parser.push(decoder.decode(value, { stream: true })));
        for (const wake of waiting) wake();
      }
    } finally {
      finished = true;
      for (const wake of waiting) wake();
    }
  })();
  // A stream closed by the test itself ends with an abort: not a failure of the test.
  ended.catch(() => undefined);
  return {
    status: response.status,
    headers: response.headers,
    messages,
    ended,
    next(matches) {
      return new Promise<SseMessage>((resolve, reject) => {
        const check = (): void => {
          const found = messages.find(matches);
          if (found) {
            waiting.delete(check);
            resolve(found);
          } else if (finished) {
            waiting.delete(check);
            reject(new Error(`the stream ended without a matching message; got ${JSON.stringify(messages)}`));
          }
        };
        waiting.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}
