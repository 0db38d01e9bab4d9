import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { followCustomer, type AppliedUpdate, type LiveState } from './live-updates';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('following a customer live', () => {
  it('reports applied updates of this customer, skips heartbeats, reconnects after a drop and stops on 401', async () => {
    const streams: (() => ReadableStream<Uint8Array>)[] = [
      // A chunk boundary inside a message, a heartbeat, another customer's update, and a retry of 0 ms.
      () => streamOf(['retry: 0\nevent: applied\nid: 5\ndata: {"customerId":"c-1","posi', 'tion":5}\n\nevent: heartbeat\ndata: {}\n\n', 'event: applied\ndata: {"customerId":"c-2","position":6}\n\n']),
      () => streamOf(['event: applied\ndata: {"customerId":"c-1","position":9,"type":"NoteAdded"}\n\n']),
      () => { throw new ApiError({ status: 401 }); },
    ];
    const paths: string[] = [];
    const api = { openStream: async (path: string) => { paths.push(path); return (streams.shift() as () => ReadableStream<Uint8Array>)(); } } as unknown as ChronicleApi;
    const applied: AppliedUpdate[] = [];
    const states: LiveState[] = [];
    await new Promise<void>((resolve) => {
      followCustomer(api, 'c-1', {
        applied: (update) => applied.push(update),
        state: (state) => { states.push(state); if (state === 'stopped') resolve(); },
      }, new AbortController().signal);
    });
    expect(applied).toEqual([{ customerId: 'c-1', position: 5 }, { customerId: 'c-1', position: 9, type: 'NoteAdded' }]);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live', 'reconnecting', 'stopped']);
    expect(paths).toEqual(['/customers/c-1/live', '/customers/c-1/live', '/customers/c-1/live']);
  });

  it('stops quietly when the page aborts', async () => {
    const controller = new AbortController();
    const api = { openStream: () => new Promise<never>((_resolve, reject) => controller.signal.addEventListener('abort', () => reject(new Error('aborted')))) } as unknown as ChronicleApi;
    const stopped = new Promise<LiveState[]>((resolve) => {
      const states: LiveState[] = [];
      followCustomer(api, 'c-1', { applied: () => undefined, state: (state) => { states.push(state); if (state === 'stopped') resolve(states); } }, controller.signal);
    });
    controller.abort();
    expect(await stopped).toEqual(['connecting', 'stopped']);
  });
});
