// The event store's head once every pipeline has followed it (reactors append their own events:
// loyalty points for a purchase, segment entries), read from /health/ready as an operator would.
// A test that compares heads before and after a step must start from this, not from a head that a
// reactor is about to move.
import { ApiClient } from './api-client';
import { eventually } from './eventually';

interface PipelineStatus {
  readonly state: string;
  readonly lag?: { readonly events: number };
}

export async function settledHead(url: string, timeoutMs = 60_000): Promise<number> {
  const client = new ApiClient(url);
  const read = async () => {
    const body = (await client.get('/health/ready')).body;
    const pipelines = Object.values((body.details?.pipelines ?? {}) as Record<string, PipelineStatus | string>).filter((value): value is PipelineStatus => typeof value === 'object');
    return { head: body.details.eventStore.headPosition as number, behind: pipelines.filter((pipeline) => pipeline.state === 'running' && (pipeline.lag?.events ?? 0) > 0).length };
  };
  return eventually(async () => {
    const before = await read();
    const after = await read();
    if (before.behind > 0 || after.behind > 0 || before.head !== after.head) throw new Error(`pipelines still following the log (head ${before.head} → ${after.head}, ${after.behind} behind)`);
    return after.head;
  }, timeoutMs);
}
