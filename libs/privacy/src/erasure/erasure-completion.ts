// The supervised loop that finishes forgets a crash interrupted (key destroyed, event not yet
// recorded): once as soon as it starts, so a restart finishes them at once, then every interval.
import { pause, type PipelineRun, type PipelineWork } from '@app/platform';
import type { Erasures } from './erasures';

export const ERASURE_COMPLETION = 'erasure-completion';

export class ErasureCompletion implements PipelineWork {
  constructor(
    private readonly erasures: Erasures,
    private readonly intervalMs: number,
  ) {}

  async run({ signal, ready }: PipelineRun): Promise<void> {
    ready();
    await this.erasures.completePending();
    while (!signal.aborted) {
      await pause(this.intervalMs, signal);
      if (signal.aborted) return;
      await this.erasures.completePending();
    }
  }
}
