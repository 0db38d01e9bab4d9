import { waitUntilCaughtUp, type ProjectionProgress } from './read-your-writes';

/** A progress that says nothing until the test settles it. */
function heldProgress(heldByAnyPartition: boolean) {
  let answer: (reached: boolean) => void = () => undefined;
  let wasAsked: () => void = () => undefined;
  const askedOnce = new Promise<void>((resolve) => (wasAsked = resolve));
  const asked: number[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const progress: ProjectionProgress = {
    heldByAnyPartition,
    waitForPosition: (position, _timeoutMs, signal) => {
      asked.push(position);
      signals.push(signal);
      wasAsked();
      return new Promise<boolean>((resolve) => (answer = resolve));
    },
  };
  /** Answers the wait once the query asked. */
  const settle = async (reached: boolean): Promise<void> => {
    await askedOnce;
    answer(reached);
  };
  return { progress, asked, signals, settle };
}

/** A document check that holds from its `n`th call on. */
function holdsFrom(n: number) {
  let calls = 0;
  return { check: async () => ++calls >= n, calls: () => calls };
}

describe('waitUntilCaughtUp', () => {
  it('answers at once when the documents are there, without asking the progress', async () => {
    const held = heldProgress(true);
    expect(await waitUntilCaughtUp(7, holdsFrom(1).check, held.progress, 60_000)).toBe(true);
    expect(held.asked).toEqual([]);
  });

  it('with a progress any partition may hold (Kafka), answers as soon as its own documents are in', async () => {
    const held = heldProgress(true);
    const documents = holdsFrom(3);
    // The watermark never moves in this test: only the documents can answer.
    expect(await waitUntilCaughtUp(7, documents.check, held.progress, 60_000)).toBe(true);
    expect(held.asked).toEqual([7]);
    expect(documents.calls()).toBe(3);
    // Answered by its documents, the query stops waiting on the progress.
    expect(held.signals.map((signal) => signal?.aborted)).toEqual([true]);
  });

  it('with such a progress, answers when the progress reaches the position though its documents never say so (an aggregate)', async () => {
    const held = heldProgress(true);
    const answer = waitUntilCaughtUp(7, async () => false, held.progress, 60_000);
    await held.settle(true);
    expect(await answer).toBe(true);
  });

  it('with a progress of the global order, waits on it alone (its documents are not polled)', async () => {
    const held = heldProgress(false);
    const documents = holdsFrom(2);
    const answer = waitUntilCaughtUp(7, documents.check, held.progress, 60_000);
    await held.settle(false);
    // The progress timed out: the documents are checked once more, and now hold.
    expect(await answer).toBe(true);
    expect(documents.calls()).toBe(2);
  });
});
