// For loyalty specs: a real SqliteEventStore and SqliteReadStore in a temporary folder, the real
// CommandExecutor, the loyalty projections (and the customer 360 view, which knows who is registered)
// under a ProjectorRunner, and writers for registrations and the purchase and refund events the
// reactor listens to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { CommandExecutor, type CommandContext } from '@app/platform';
import { ProjectorRunner } from '@app/transport';
import type { OrderLine } from '@app/interactions/domain/interaction.events';
import { loyaltyProgram, type LoyaltyProgram } from '../domain/loyalty-program';
import { customer360Projection } from '@app/customer-view';
import { loyaltyProjections } from '../projections';
import { LoyaltyCommands } from '../api/loyalty-commands';

export const TEST_PROGRAM: LoyaltyProgram = loyaltyProgram({
  currency: 'EUR',
  pointsPerMajorUnit: 1,
  categoryMultipliers: { electronics: 2 },
  tiers: [
    { name: 'bronze', thresholdMinor: 0, multiplier: 1 },
    { name: 'silver', thresholdMinor: 500_00, multiplier: 1.5 },
    { name: 'gold', thresholdMinor: 2000_00, multiplier: 2 },
  ],
  expiryMonths: 12,
});

export function testContext(occurredAt: string, overrides: Partial<CommandContext> = {}): CommandContext {
  return { actor: { type: 'agent', id: 'agent-1' }, source: 'test', correlationId: `corr-${newEventId()}`, causationId: null, occurredAt, ...overrides };
}

export class LoyaltyTestBed {
  readonly directory = mkdtempSync(join(tmpdir(), 'chronicle-loyalty-'));
  readonly events = new SqliteEventStore(join(this.directory, 'events.sqlite'));
  readonly reads = new SqliteReadStore(join(this.directory, 'reads.sqlite'));
  readonly executor = new CommandExecutor(this.events);
  readonly commands: LoyaltyCommands;
  readonly runner: ProjectorRunner;

  constructor(program: LoyaltyProgram = TEST_PROGRAM) {
    this.commands = new LoyaltyCommands(this.executor, program);
    this.runner = new ProjectorRunner(this.reads, [...loyaltyProjections(program.currency), customer360Projection], { name: 'loyalty-test-projector' });
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

  async register(customerId: string, at: string): Promise<RecordedEvent> {
    return this.append(`customer-${customerId}`, 'no_stream', { type: 'CustomerRegistered', data: { customerId, profile: { firstName: 'Test' } } }, customerId, at);
  }

  async purchase(customerId: string, orderId: string, at: string, lines: readonly Pick<OrderLine, 'category' | 'quantity' | 'unitPriceMinor'>[]): Promise<RecordedEvent> {
    const full = lines.map((line, index) => ({ sku: `SKU-${index}`, name: `item ${index}`, ...line }));
    const totalMinor = full.reduce((sum, line) => sum + line.quantity * line.unitPriceMinor, 0);
    return this.append(`order-${orderId}`, 'no_stream', { type: 'PurchaseCompleted', data: { customerId, orderId, channel: 'web', currency: 'EUR', lines: full, totalMinor } }, customerId, at);
  }

  async refund(customerId: string, orderId: string, refundId: string, amountMinor: number, at: string): Promise<RecordedEvent> {
    return this.append(`order-${orderId}`, 'stream_exists', { type: 'PurchaseRefunded', data: { customerId, orderId, refundId, amountMinor, currency: 'EUR' } }, customerId, at);
  }

  async loyaltyEvents(customerId: string): Promise<RecordedEvent[]> {
    return this.events.readStream(`loyalty-${customerId}`);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.reads.close();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async append(streamId: string, expectedRevision: 'no_stream' | 'stream_exists', event: { type: string; data: { readonly customerId: string; readonly [field: string]: unknown } }, customerId: string, at: string): Promise<RecordedEvent> {
    const recorded: NewEvent = {
      ...event,
      eventId: newEventId(),
      metadata: { customerId, schemaVersion: 1, occurredAt: at, actor: { type: 'service', id: 'shop' }, source: 'shop', correlationId: `corr-${streamId}-${at}`, causationId: null },
    };
    const result = await this.events.append(streamId, [recorded], { expectedRevision });
    const [stored] = await this.events.readStream(streamId, { fromRevision: result.nextExpectedRevision, maxCount: 1 });
    return stored;
  }
}
