// Forgetting a customer (right to erasure), in an order no crash can leave unsafe:
//   1. the key store destroys the customer's data key and records the erasure (who asked, why);
//      from this instant every personal value of theirs reads FORGOTTEN wherever it is decoded;
//   2. CustomerForgotten is appended to the customer's stream (natural key: once, whoever retries);
//      projectors scrub the read models when they reach it, and purge the store's files after;
//   3. the key store marks the erasure complete.
// A crash after 1 leaves a destroyed key with a pending erasure: ErasureCompletion (a supervised
// loop) and any retry of the request finish 2 and 3 from what the key store recorded. A crash
// before 1 did nothing. Destroying first means no window in which the log says "forgotten" while
// the key still opens the data, and an event sealed with the key but appended late reads FORGOTTEN.
import { Logger } from '@nestjs/common';
import { DomainError, DomainErrorCode, refuse, type Clock } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { Erasure, ErasureRequest, KeyStore } from '@app/key-store';
import type { CommandContext, CommandExecutor, CommandOutcome } from '@app/platform';
import { customerDecider, customerStreamId, type CustomerCommand } from '@app/customers';

export interface ForgetOutcome extends CommandOutcome {
  readonly customerId: string;
  /** When the data key was destroyed (by this request or the first one). */
  readonly forgottenAt: string;
  /** The destroyed key's id; null when the customer had no personal data encrypted yet. */
  readonly dataKeyId: string | null;
}

/** The part of a command context the erasure keeps, so a restart records the event as the requester's. */
function requestOf(reason: string, context: CommandContext): ErasureRequest {
  return {
    reason,
    requestedAt: context.occurredAt,
    context: {
      actor: context.actor,
      ...(context.onBehalfOf ? { onBehalfOf: context.onBehalfOf } : {}),
      source: context.source,
      correlationId: context.correlationId,
      causationId: context.causationId,
    },
  };
}

function contextOf(request: ErasureRequest): CommandContext {
  const stored = request.context as Partial<CommandContext>;
  return {
    actor: stored.actor ?? { type: 'system', id: 'erasures' },
    ...(stored.onBehalfOf ? { onBehalfOf: stored.onBehalfOf } : {}),
    source: stored.source ?? 'erasures',
    correlationId: stored.correlationId ?? 'erasure',
    causationId: stored.causationId ?? null,
    occurredAt: request.requestedAt,
  };
}

export class Erasures {
  private readonly logger = new Logger('Erasures');

  constructor(
    private readonly keys: KeyStore,
    private readonly executor: CommandExecutor,
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  /** Forgets a registered customer; idempotent (a retry answers the first forget, replayed). */
  async forget(customerId: string, reason: string, context: CommandContext): Promise<ForgetOutcome> {
    if (reason.trim() === '') throw refuse.rule('reason must not be empty', 'reason');
    const head = await this.events.readStream(customerStreamId(customerId), { maxCount: 1 });
    if (head.length === 0) throw refuse.notFound(`Customer ${customerId} is not registered`, 'customerId');
    const erasure = await this.keys.destroy(customerId, requestOf(reason, context), this.clock.now().toISOString());
    return this.complete(erasure);
  }

  /** Steps 2 and 3 for an erasure whose key is destroyed. */
  async complete(erasure: Erasure): Promise<ForgetOutcome> {
    const command: CustomerCommand = { type: 'ForgetCustomer', customerId: erasure.customerId, reason: erasure.request.reason, dataKeyId: erasure.keyId };
    const outcome = await this.executor.execute(
      { streamId: customerStreamId(erasure.customerId), decider: customerDecider, command, naturalKey: 'forget', streamIdField: 'customerId' },
      contextOf(erasure.request),
    );
    await this.keys.completeErasure(erasure.customerId, this.clock.now().toISOString());
    return { ...outcome, customerId: erasure.customerId, forgottenAt: erasure.destroyedAt, dataKeyId: erasure.keyId };
  }

  /** Finishes every erasure a crash left half done; returns how many it finished. */
  async completePending(): Promise<number> {
    let finished = 0;
    for (;;) {
      const pending = await this.keys.pendingErasures(100);
      if (pending.length === 0) return finished;
      for (const erasure of pending) {
        try {
          await this.complete(erasure);
        } catch (error) {
          // A tombstone for an id that has no customer stream has nothing left to record.
          if (!(error instanceof DomainError && error.code === DomainErrorCode.NotFound)) throw error;
          this.logger.warn(`Erasure of ${erasure.customerId}: no customer stream to record it in; marked complete`);
          await this.keys.completeErasure(erasure.customerId, this.clock.now().toISOString());
        }
        finished += 1;
      }
    }
  }
}
