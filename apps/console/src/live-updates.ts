// Follows a server-sent event stream (a customer's `applied` events, the queue's ticket `changed`
// events) through fetch on the agent's session. After a drop it reconnects and sends the id of the
// last message it saw as Last-Event-ID, so the server first replays what happened meanwhile; until
// then the page says it is not live. A stream silent for longer than the server's heartbeat is
// taken for a dead connection and reopened. 401/403 stop it for good.
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { SseParser } from './sse-parser';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface StreamHandlers<T> {
  /** One message of a followed event type, with its id (a global position). */
  message(data: T, id: string): void;
  state(state: LiveState, reason?: string): void;
  /** The stream is open again after a drop (the server replays what was missed first): refresh what is shown. */
  resumed?(): void;
}

export interface StreamOptions {
  /** Event types to pass on (heartbeats only keep proxies from closing the stream). */
  readonly events: readonly string[];
  /** Resume after this id from the first connection on (the position the page was drawn at). */
  readonly lastEventId?: string;
  readonly retryMs?: number;
  /** A stream quiet for this long is dead: the server sends a heartbeat every 15 s. */
  readonly silenceMs?: number;
}

const DEFAULT_RETRY_MS = 2_000;
const DEFAULT_SILENCE_MS = 40_000;

/** Follows a stream until the signal aborts; answers the id of the last message seen. */
export function followStream<T>(api: ChronicleApi, path: string, options: StreamOptions, handlers: StreamHandlers<T>, signal: AbortSignal): { lastEventId(): string | undefined } {
  let lastEventId = options.lastEventId;
  void (async () => {
    let retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    let dropped = false;
    handlers.state('connecting');
    while (!signal.aborted) {
      const parser = new SseParser();
      const connection = new AbortController();
      const abort = () => connection.abort();
      signal.addEventListener('abort', abort, { once: true });
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const alive = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(abort, options.silenceMs ?? DEFAULT_SILENCE_MS);
      };
      try {
        const stream = await api.openStream(path, connection.signal, lastEventId);
        handlers.state('live');
        if (dropped) handlers.resumed?.();
        alive();
        const reader = stream.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          alive();
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (message.lastEventId) lastEventId = message.lastEventId;
            if (!options.events.includes(message.event)) continue;
            handlers.message(JSON.parse(message.data) as T, message.lastEventId);
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          handlers.state('stopped', error.message);
          return;
        }
      } finally {
        clearTimeout(watchdog);
        signal.removeEventListener('abort', abort);
      }
      if (signal.aborted) break;
      dropped = true;
      // As with EventSource, a `retry:` from the server holds for later reconnections too.
      retryMs = parser.retryMs ?? retryMs;
      handlers.state('reconnecting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
    handlers.state('stopped');
  })();
  return { lastEventId: () => lastEventId };
}
