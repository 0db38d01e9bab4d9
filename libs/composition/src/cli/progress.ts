// Progress of a long CLI run: a bar with rate and ETA on a terminal, otherwise a log line after the
// first step and at every further tenth of the way (CI logs, tests that wait for a line).
import { Presets, SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** Shown first: `generation 2`, `verify log`. */
  readonly label: string;
  /** What the counter counts, before its value: `position` → "position 1200 of 5000". */
  readonly noun: string;
  /** What the rate counts: events/s. */
  readonly rateUnit: string;
  readonly total: number;
  /** Draw a bar (a terminal). */
  readonly bar: boolean;
  /** Without a bar: receives the log lines. */
  readonly onLine?: (line: string) => void;
}

export interface Progress {
  /** `done`: the counter (a position, a count); `processed`: what the rate is computed from. */
  update(done: number, processed: number, total?: number): void;
  stop(): void;
}

export function progress(options: ProgressOptions): Progress {
  const started = Date.now();
  let total = Math.max(options.total, 1);
  let reported = -1;
  const bar = options.bar
    ? new SingleBar(
        { format: `${options.label} {bar} {percentage}% | ${options.noun} {value}/{total} | {rate} ${options.rateUnit}/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { rate: 0 });
  return {
    update(done, processed, newTotal) {
      if (newTotal !== undefined && newTotal !== total) {
        total = Math.max(newTotal, 1);
        bar?.setTotal(total);
      }
      const rate = Math.round(processed / Math.max(0.001, (Date.now() - started) / 1000));
      bar?.update(done, { rate });
      const tenth = Math.floor((10 * done) / total);
      if (options.onLine && tenth > reported) {
        reported = tenth;
        options.onLine(`${options.label}: ${options.noun} ${done} of ${total} (${Math.min(100, tenth * 10)}%), ${rate} ${options.rateUnit}/s`);
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
