// For segment specs: real SqliteEventStore and SqliteReadStore in a temporary folder, the real
// CommandExecutor, every read model segments reads (customer view, analytics, loyalty, segments)
// under a ProjectorRunner, and writers for the customer events rules look at.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock, newEventId, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { CommandExecutor, type CommandContext } from '@app/platform';
import { ProjectorRunner } from '@app/transport';
import { customerViewProjections } from '@app/customer-view';
import { analyticsProjections } from '@app/analytics';
import { loyaltyProjections } from '@app/loyalty';
import type { CustomerProfile } from '@app/customers/domain/customer.events';
import { segmentsProjections } from '../projections';
import { SegmentCommands } from '../api/segment-commands';
import { SegmentEvaluator } from '../evaluation/segment-evaluator';
import { segmentReaction } from '../evaluation/segment.reaction';
import { SegmentSweep } from '../evaluation/segment-sweep';
import type { ReactionHandler } from '@app/transport';

export function segmentsTestContext(occurredAt: string): CommandContext {
  return { actor: { type: 'agent', id: 'analyst-1' }, source: 'test', correlationId: `corr-${newEventId()}`, causationId: null, occurredAt };
}

export class SegmentsTestBed {
  readonly directory = mkdtempSync(join(tmpdir(), 'chronicle-segments-'));
  readonly events = new SqliteEventStore(join(this.directory, 'events.sqlite'));
  readonly reads = new SqliteReadStore(join(this.directory, 'reads.sqlite'));
  readonly executor = new CommandExecutor(this.events);
  readonly commands = new SegmentCommands(this.executor);
  readonly runner = new ProjectorRunner(this.reads, [...customerViewProjections, ...analyticsProjections, ...loyaltyProjections('EUR'), ...segmentsProjections], { name: 'segments-test-projector' });
  readonly evaluator: SegmentEvaluator;
  readonly sweep: SegmentSweep;
  readonly reaction: ReactionHandler;
  /** Position up to which the reaction has been fed. */
  private reacted = 0;

  constructor(readonly clock: FixedClock, pageSize = 500) {
    this.evaluator = new SegmentEvaluator(this.reads, this.executor, 'EUR', { pageSize });
    this.sweep = new SegmentSweep(this.evaluator, clock);
    // The gate projects what is missing, like waiting for an in-process projector.
    this.reaction = segmentReaction(this.evaluator, async (events) => {
      await this.project();
      return this.runner.position >= events[events.length - 1].position;
    }, clock);
  }

  async start(): Promise<this> {
    await this.runner.start();
    return this;
  }

  /** Applies every event not yet projected. */
  async project(): Promise<void> {
    const after = this.runner.position;
    await this.runner.applyBatch(await this.events.readAll(after > 0 ? { after } : {}));
  }

  /** Feeds the reaction every event it has not seen, as the reactor would, then projects its output. */
  async react(): Promise<RecordedEvent[]> {
    const batch = await this.events.readAll(this.reacted > 0 ? { after: this.reacted } : {});
    if (batch.length > 0) {
      await this.reaction(batch);
      this.reacted = batch[batch.length - 1].position;
    }
    await this.project();
    return batch;
  }

  async register(customerId: string, profile: Partial<CustomerProfile>, at: string): Promise<RecordedEvent> {
    return this.append(`customer-${customerId}`, { type: 'CustomerRegistered', data: { customerId, profile: { firstName: 'Ada', lastName: customerId, ...profile } } }, customerId, at);
  }

  async purchase(customerId: string, orderId: string, at: string, totalMinor = 50_00, category = 'shoes'): Promise<RecordedEvent> {
    const lines = [{ sku: 'SKU-1', name: 'item', category, quantity: 1, unitPriceMinor: totalMinor }];
    return this.append(`order-${orderId}`, { type: 'PurchaseCompleted', data: { customerId, orderId, channel: 'web', currency: 'EUR', lines, totalMinor } }, customerId, at);
  }

  async consent(customerId: string, purpose: string, granted: boolean, at: string): Promise<RecordedEvent> {
    return this.append(`customer-${customerId}`, { type: granted ? 'ConsentGiven' : 'ConsentWithdrawn', data: { customerId, purpose, via: 'web' } }, customerId, at);
  }

  async forget(customerId: string, at: string): Promise<RecordedEvent> {
    return this.append(`customer-${customerId}`, { type: 'CustomerForgotten', data: { customerId, reason: 'test', dataKeyId: null } }, customerId, at);
  }

  async membershipEvents(customerId: string): Promise<RecordedEvent[]> {
    return this.events.readStream(`segmentmembership-${customerId}`);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.reads.close();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async append(streamId: string, event: { type: string; data: { readonly customerId: string; readonly [field: string]: unknown } }, customerId: string, at: string): Promise<RecordedEvent> {
    const recorded: NewEvent = {
      ...event,
      eventId: newEventId(),
      metadata: { customerId, schemaVersion: 1, occurredAt: at, actor: { type: 'service', id: 'shop' }, source: 'shop', correlationId: `corr-${streamId}-${at}`, causationId: null },
    };
    const result = await this.events.append(streamId, [recorded], { expectedRevision: 'any' });
    const [stored] = await this.events.readStream(streamId, { fromRevision: result.nextExpectedRevision, maxCount: 1 });
    return stored;
  }
}
