// runBatch validates item after item and lets queued I/O (a read) through while it does.
import { EventLoopTurnCounter } from '../testing/event-loop-turn-counter';
import { runBatch } from './command-batch';
import type { RequestContext } from '../http/command-context.decorator';

describe('runBatch', () => {
  it('lets the event loop turn between items while it validates a long batch, and keeps every result in its place', async () => {
    const loop = new EventLoopTurnCounter();
    const seen: number[] = [];
    const items = Array.from({ length: 40 }, (_, index) => ({ n: index }));

    const answer = await runBatch(items, {} as RequestContext, {
      maxItems: 100,
      turnMs: 0,
      prepare: (raw) => {
        seen.push(loop.turns);
        const n = (raw as { n: number }).n;
        if (n % 10 === 3) throw Object.assign(new Error(`item ${n} is wrong`), { status: 400, expose: true });
        return { occurredAt: '2026-05-01T10:00:00.000Z', prepared: n };
      },
      execute: async (valid) => valid.map(({ prepared }) => ({ status: 'fulfilled' as const, value: prepared * 2 })),
    });
    loop.stop();

    // Validated in one synchronous go, every item would have seen the same count.
    expect(new Set(seen).size).toBe(items.length);
    expect(answer.accepted).toBe(36);
    expect(answer.results.map((result) => result.status)).toEqual(items.map(({ n }) => (n % 10 === 3 ? 400 : 201)));
    expect(answer.results.filter((result) => result.status === 201).map((result) => result.outcome)).toEqual(items.filter(({ n }) => n % 10 !== 3).map(({ n }) => n * 2));
  });
});
