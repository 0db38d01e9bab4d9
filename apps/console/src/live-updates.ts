// Follows GET /v1/customers/:id/live: reads the server-sent events through fetch (so the key
// travels in the Authorization header), reconnects after a drop, and stops for good on 401/403.
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { SseParser } from './sse-parser';

export interface AppliedUpdate {
  readonly customerId: string;
  readonly position: number;
  readonly eventId?: string;
  readonly type?: string;
  readonly occurredAt?: string;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveHandlers {
  applied(update: AppliedUpdate): void;
  state(state: LiveState, reason?: string): void;
}

const DEFAULT_RETRY_MS = 2_000;

/** Starts following a customer's live updates; abort the signal to stop. */
export function followCustomer(api: ChronicleApi, customerId: string, handlers: LiveHandlers, signal: AbortSignal): void {
  void (async () => {
    let retryMs = DEFAULT_RETRY_MS;
    handlers.state('connecting');
    while (!signal.aborted) {
      const parser = new SseParser();
      try {
        const stream = await api.openStream(`/customers/${encodeURIComponent(customerId)}/live`, signal);
        handlers.state('live');
        const reader = stream.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (message.event !== 'applied') continue; // heartbeats only keep proxies from closing the stream
            const update = JSON.parse(message.data) as AppliedUpdate;
            if (update.customerId === customerId && Number.isFinite(update.position)) handlers.applied(update);
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          handlers.state('stopped', error.message);
          return;
        }
      }
      if (signal.aborted) break;
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
}
