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

/**
 * The event store's head once every pipeline of every process listed (the split layout's roles) runs
 * and has followed it: no pipeline waits in standby, retries or failed, none lags, and the head read
 * from the processes that have the event store stays the same across two rounds.
 */
export async function settledAcross(urls: readonly string[], timeoutMs = 60_000): Promise<number> {
  const read = async () => {
    const reports = await Promise.all(urls.map(async (url) => ({ url, body: (await new ApiClient(url).get('/health/ready')).body })));
    const heads = reports.map(({ body }) => body.details?.eventStore?.headPosition as number | undefined).filter((head): head is number => head !== undefined);
    if (heads.length === 0) throw new Error('no process reports the event store head');
    const unsettled = reports.flatMap(({ url, body }) =>
      Object.entries((body.details?.pipelines ?? body.error?.pipelines ?? {}) as Record<string, PipelineStatus | string>)
        .filter((entry): entry is [string, PipelineStatus] => typeof entry[1] === 'object')
        .filter(([, pipeline]) => pipeline.state !== 'running' || (pipeline.lag?.events ?? 0) > 0)
        .map(([name, pipeline]) => `${url} ${name}: ${pipeline.state}, lag ${pipeline.lag?.events ?? 0}`),
    );
    return { head: Math.max(...heads), unsettled };
  };
  return eventually(async () => {
    const before = await read();
    const after = await read();
    const unsettled = [...before.unsettled, ...after.unsettled];
    if (unsettled.length > 0 || before.head !== after.head) throw new Error(`pipelines still following the log (head ${before.head} → ${after.head}): ${unsettled.join('; ')}`);
    return after.head;
  }, timeoutMs);
}
