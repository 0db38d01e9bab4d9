// How a batch route runs its commands (POST /v1/interactions/batch, POST /v1/customers/batch): at
// most MAX_BATCH_SIZE items, all validated first, then every valid one run at once (one read of
// their streams, one append: CommandExecutor.executeMany), one result per item (its outcome or its
// own 4xx problem, fields named `items[3].…`); items of one stream in order, each seeing the ones
// before it. A server error fails the whole request, as for a single command. Under an
// Idempotency-Key the batch is one request; each item without a natural key derives its event ids
// from the key and its index.
import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { toProblem, type Problem } from '../errors/problem.filter';
import { flattenValidationErrors, RequestValidationError, VALIDATOR_OPTIONS } from '../errors/validation';
import type { CommandContext } from './command-context';
import { shareTurn } from '@app/threads';
import type { RequestContext } from '../http/command-context.decorator';

export interface BatchItemResult<O> {
  /** @asType integer */
  readonly index: number;
  /** The HTTP status the item alone would have been answered with. @asType integer */
  readonly status: number;
  readonly outcome?: O;
  readonly problem?: Problem;
}

export interface BatchAnswer<O> {
  /** @asType integer */
  readonly accepted: number;
  /** @asType integer */
  readonly rejected: number;
  readonly results: BatchItemResult<O>[];
}

/** One validated item, ready to run with the others: its business time (commandTime) and its command. */
export type BatchItem<P> = Pick<CommandContext, 'occurredAt' | 'occurredAtAssigned'> & {
  /** What `execute` needs to run it (its command). */
  readonly prepared: P;
};

export interface BatchOptions<P, O> {
  readonly maxItems: number;
  /** Longest validation runs without letting queued I/O through, in ms (default TURN_MS). */
  readonly turnMs?: number;
  /** Validates one item and says how to run it; `ctx` is the item's own (its Idempotency-Key carries the index). */
  prepare(raw: unknown, index: number, ctx: RequestContext): Promise<BatchItem<P>> | BatchItem<P>;
  /**
   * Runs every valid item at once, in the order given (items of one stream in that order): one
   * settled answer per item, its outcome or the error it alone would have been refused with.
   */
  execute(items: readonly { readonly prepared: P; readonly context: CommandContext }[]): Promise<PromiseSettledResult<O>[]>;
}

/** Validates a batch item against a DTO class as the global ValidationPipe does a body, naming fields under `prefix`. */
export async function validateBatchItem<T extends object>(type: Type<T>, fields: unknown, prefix: string): Promise<T> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new RequestValidationError([{ field: prefix, message: 'each item must be a JSON object' }]);
  }
  const dto = plainToInstance(type, fields, { enableImplicitConversion: false });
  const errors = await validate(dto, VALIDATOR_OPTIONS);
  if (errors.length > 0) throw new RequestValidationError(flattenValidationErrors(errors, prefix));
  return dto;
}

/** The item's problem with every field named under `items[i]`, wherever the error came from. */
function itemProblem(error: unknown, prefix: string): Problem {
  const problem = toProblem(error);
  if (!problem.errors) return problem;
  return { ...problem, errors: problem.errors.map((e) => ({ ...e, field: e.field === prefix || e.field.startsWith(`${prefix}.`) || e.field.startsWith(`${prefix}[`) ? e.field : `${prefix}.${e.field}` })) };
}

function itemContext(ctx: RequestContext, index: number): RequestContext {
  return ctx.idempotency === undefined ? ctx : { ...ctx, idempotency: { ...ctx.idempotency, item: index } };
}

export async function runBatch<P, O>(items: readonly unknown[], ctx: RequestContext, options: BatchOptions<P, O>): Promise<BatchAnswer<O>> {
  if (items.length > options.maxItems) {
    throw new RequestValidationError([{ field: 'items', message: `items must contain at most ${options.maxItems} entries (MAX_BATCH_SIZE)` }]);
  }
  const results: BatchItemResult<O>[] = new Array(items.length);
  const refused = (index: number, error: unknown) => {
    const problem = itemProblem(error, `items[${index}]`);
    if (problem.status >= 500) throw error;
    results[index] = { index, status: problem.status, problem };
  };
  // One item after the other, letting reads through every TURN_MS of the thread's work (event-loop-turns.ts).
  const prepared: ({ index: number; prepared: P; context: CommandContext } | undefined)[] = [];
  for (const [index, raw] of items.entries()) {
    await shareTurn(options.turnMs);
    try {
      const { prepared: command, ...time } = await options.prepare(raw, index, itemContext(ctx, index));
      prepared.push({ index, prepared: command, context: { ...itemContext(ctx, index), ...time } });
    } catch (error) {
      refused(index, error);
      prepared.push(undefined);
    }
  }
  const valid = prepared.filter((item) => item !== undefined);
  const settled = valid.length === 0 ? [] : await options.execute(valid);
  settled.forEach((answer, at) => {
    const { index } = valid[at];
    if (answer.status === 'fulfilled') results[index] = { index, status: 201, outcome: answer.value };
    else refused(index, answer.reason);
  });
  const accepted = results.filter((result) => result.status < 300).length;
  return { accepted, rejected: results.length - accepted, results };
}
