import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { followStream, type LiveState } from './live-updates';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

type Update = { customerId: string; position: number; type?: string };

describe('following a live stream', () => {
  it('passes on the followed events, skips heartbeats, reconnects after a drop from the last id seen, and stops on 401', async () => {
    const streams: (() => ReadableStream<Uint8Array>)[] = [
      // A chunk boundary inside a message, a heartbeat and a retry of 0 ms.
      () => streamOf(['retry: 0\nevent: applied\nid: 5\ndata: {"customerId":"c-1","posi', 'tion":5}\n\nevent: heartbeat\ndata: {}\n\n']),
      () => streamOf(['event: applied\nid: 9\ndata: {"customerId":"c-1","position":9,"type":"NoteAdded"}\n\n']),
      () => { throw new ApiError({ status: 401 }); },
    ];
    const opened: [string, string | undefined][] = [];
    const api = { openStream: async (path: string, _signal: AbortSignal, lastEventId?: string) => { opened.push([path, lastEventId]); return (streams.shift() as () => ReadableStream<Uint8Array>)(); } } as unknown as ChronicleApi;
    const updates: Update[] = [];
    const states: LiveState[] = [];
    let resumed = 0;
    await new Promise<void>((resolve) => {
      followStream<Update>(api, '/customers/c-1/live', { events: ['applied'], lastEventId: '3' }, {
        message: (update) => updates.push(update),
        state: (state) => { states.push(state); if (state === 'stopped') resolve(); },
        resumed: () => { resumed += 1; },
      }, new AbortController().signal);
    });
    expect(updates).toEqual([{ customerId: 'c-1', position: 5 }, { customerId: 'c-1', position: 9, type: 'NoteAdded' }]);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live', 'reconnecting', 'stopped']);
    // First from the position the page was drawn at, then from the last message seen.
    expect(opened).toEqual([['/customers/c-1/live', '3'], ['/customers/c-1/live', '5'], ['/customers/c-1/live', '9']]);
    expect(resumed).toBe(1);
  });

  it('takes a stream that stays silent past the heartbeat for a dead connection and reopens it', async () => {
    let opened = 0;
    const api = {
      openStream: async (_path: string, signal: AbortSignal) => {
        opened += 1;
        // Never sends a byte; ends only when the client gives up on it.
        return new ReadableStream<Uint8Array>({ start: (controller) => signal.addEventListener('abort', () => controller.error(new Error('aborted'))) });
      },
    } as unknown as ChronicleApi;
    const page = new AbortController();
    const states: LiveState[] = [];
    await new Promise<void>((resolve) => {
      followStream(api, '/live/tickets', { events: ['changed'], silenceMs: 20, retryMs: 0 }, {
        message: () => undefined,
        state: (state) => { states.push(state); if (opened === 2 && state === 'live') { page.abort(); resolve(); } },
      }, page.signal);
    });
    expect(states.slice(0, 4)).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('stops quietly when the page aborts', async () => {
    const controller = new AbortController();
    const api = { openStream: (_path: string, signal: AbortSignal) => new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) } as unknown as ChronicleApi;
    const stopped = new Promise<LiveState[]>((resolve) => {
      const states: LiveState[] = [];
      followStream(api, '/customers/c-1/live', { events: ['applied'] }, { message: () => undefined, state: (state) => { states.push(state); if (state === 'stopped') resolve(states); } }, controller.signal);
    });
    controller.abort();
    expect(await stopped).toEqual(['connecting', 'stopped']);
  });
});
