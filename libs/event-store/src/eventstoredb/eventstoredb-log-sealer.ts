// The EventStoreDB sealer: follows $all and appends seals (the global hash chain, see
// eventstoredb-chain.ts) to `$chronicle-seals`, and, for every stream's first event, a pointer to the
// stream in `$chronicle-customer-<customerId>`, so a customer's whole history is found without
// scanning the log. One instance across processes (the supervisor's lease); the seal stream's
// expected revision fences off a second one should two ever run. Its checkpoint is the last seal
// itself: pointers are written before the seal that covers them, so a crash between the two only
// repeats pointers (readers deduplicate them). Structurally a PipelineWork of @app/platform.
import { EventStoreDBClient, FORWARDS, jsonEvent, NO_STREAM, WrongExpectedVersionError, ANY, type JSONType } from '@eventstore/db-client';
import { deterministicEventId } from '@app/event-sourcing';
import {
  CUSTOMER_STREAM_EVENT_TYPE, customerStreamsStream, makeSeal, SEAL_EVENT_TYPE, SEALS_STREAM, type Seal, type SealEntry,
} from './eventstoredb-chain';
import { readLastSeal, startPosition, toStoredChainedEvent } from './eventstoredb-event-store';

export interface EventStoreDbLogSealerOptions {
  /** Most events per seal (default 500). */
  readonly maxBatchSize?: number;
  /** How long to wait for new events once caught up (default 200 ms): the residual window's usual size. */
  readonly pollIntervalMs?: number;
}

/** What a pointer to one of a customer's streams records. */
export interface CustomerStreamPointer {
  readonly streamId: string;
  /** Position of the stream's first event. */
  readonly position: number;
}

export class EventStoreDbLogSealer {
  private readonly client: EventStoreDBClient;
  private readonly maxBatchSize: number;
  private readonly pollIntervalMs: number;
  private sealedUpTo = 0;

  constructor(connectionString: string, options: EventStoreDbLogSealerOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
  }

  /** One supervised run: seal until the signal aborts; rejects on failure (the supervisor restarts it). */
  async run({ signal, ready }: { readonly signal: AbortSignal; ready(): void }): Promise<void> {
    const last = await readLastSeal(this.client);
    let revision: bigint | null = last?.revision ?? null;
    let previous = last?.seal.hash ?? '';
    this.sealedUpTo = last ? last.to : 0;
    // Where reading $all goes on: past system events too, which count towards a read but are never sealed.
    let scanFrom = this.sealedUpTo;
    ready();
    while (!signal.aborted) {
      const batch: { entry: SealEntry; customerId: string }[] = [];
      let read = 0;
      for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: startPosition(scanFrom), maxCount: this.maxBatchSize })) {
        const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
        if (commit === undefined || Number(commit) <= scanFrom) continue;
        read += 1;
        scanFrom = Number(commit);
        const event = toStoredChainedEvent(resolved);
        if (event === null) continue;
        batch.push({ entry: [event.position, event.streamId, event.revision, event.hash ?? '', event.recordedAt], customerId: event.metadata.customerId });
      }
      if (batch.length > 0) {
        await this.pointCustomersToNewStreams(batch);
        const seal = makeSeal(previous, batch.map((item) => item.entry));
        try {
          const appended = await this.client.appendToStream(SEALS_STREAM, jsonEvent({ type: SEAL_EVENT_TYPE, data: seal as unknown as JSONType }), {
            expectedRevision: revision === null ? NO_STREAM : revision,
          });
          revision = appended.nextExpectedRevision;
        } catch (error) {
          if (error instanceof WrongExpectedVersionError) throw new Error('Another sealer appended to $chronicle-seals: this one stops (the lease should have prevented it)');
          throw error;
        }
        previous = seal.hash;
        this.sealedUpTo = batch[batch.length - 1].entry[0];
      }
      if (read === 0) await idle(this.pollIntervalMs, signal);
    }
  }

  /** Events not sealed yet (counted up to 1,000), and the age of the oldest of them. */
  async lag(): Promise<{ events: number; seconds: number }> {
    let events = 0;
    let oldest: string | undefined;
    for await (const resolved of this.client.readAll({ direction: FORWARDS, fromPosition: startPosition(this.sealedUpTo), maxCount: 1_000 })) {
      const event = toStoredChainedEvent(resolved);
      if (event === null || event.position <= this.sealedUpTo) continue;
      events += 1;
      oldest ??= event.recordedAt;
    }
    return { events, seconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(oldest)) / 1000) };
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** A pointer per stream that starts in this batch, in its customer's pointer stream. */
  private async pointCustomersToNewStreams(batch: readonly { entry: SealEntry; customerId: string }[]): Promise<void> {
    const byCustomer = new Map<string, CustomerStreamPointer[]>();
    for (const { entry, customerId } of batch) {
      const [position, streamId, revision] = entry;
      if (revision !== 0) continue;
      const pointers = byCustomer.get(customerId) ?? [];
      pointers.push({ streamId, position });
      byCustomer.set(customerId, pointers);
    }
    for (const [customerId, pointers] of byCustomer) {
      await this.client.appendToStream(
        customerStreamsStream(customerId),
        pointers.map((pointer) =>
          jsonEvent({ id: deterministicEventId('customer-stream', customerId, pointer.streamId), type: CUSTOMER_STREAM_EVENT_TYPE, data: pointer as unknown as JSONType }),
        ),
        { expectedRevision: ANY },
      );
    }
  }
}

function idle(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export type { Seal };
