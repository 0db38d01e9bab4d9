// One supervisor for every long-running loop of a process (projectors, relay, reactors, sweeps): it
// runs each one, restarts it after a failure with exponential backoff and jitter, keeps at most one
// instance of a named loop running across processes where a lease store is given, and reports
// state, last error, restarts and lag to /health/ready and /metrics. A loop that dies is never
// silent: its run() promise is always awaited here.
import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { liveSupervisors, pipelineMetrics } from './pipeline-metrics';
import type { LeaseStore } from './lease';

/**
 * `starting`: first attempt under way. `running`: doing its work. `retrying`: failed, restart
 * scheduled. `failed`: failed `failedAfter` times in a row (still retried, at the longest delay).
 * `standby`: another process holds its lease. `stopped`: not running.
 */
export type PipelineState = 'starting' | 'running' | 'retrying' | 'failed' | 'standby' | 'stopped';

export interface PipelineLag {
  /** Events the loop still has to process (0 when caught up). */
  readonly events: number;
  /** Age of the oldest event not yet processed, in seconds (0 when caught up). */
  readonly seconds: number;
}

/** What the work hands back while it runs. */
export interface PipelineRun {
  /** Aborted when the supervisor stops the run (shutdown, or the lease was lost). */
  readonly signal: AbortSignal;
  /** Call once the work is set up and doing its job (subscribed, connected): start() waits for it. */
  ready(): void;
}

/**
 * Something an operator must act on although the work goes on (an event the relay could not publish
 * and set aside): listed on /health/ready and counted in /metrics until it is dealt with.
 */
export interface PipelineAlert {
  /** Stable name of the kind of alert, e.g. `dead-lettered`. */
  readonly code: string;
  readonly message: string;
  /** How many occurrences there are (the metric's value). */
  readonly count: number;
  /** The latest occurrence, as the work describes it. */
  readonly last?: Readonly<Record<string, unknown>>;
}

/** A long-running job. run() resolves once it wound down after the signal aborted; it rejects on failure. */
export interface PipelineWork {
  run(context: PipelineRun): Promise<void>;
  /** How far behind the work is; asked on /health/ready and on each /metrics scrape. */
  lag?(): Promise<PipelineLag | undefined>;
  /** What the work wants an operator to see (empty when nothing); asked with the status. */
  alerts?(): readonly PipelineAlert[];
}

export interface RetryPolicy {
  /** First restart delay (default 500 ms); doubled per consecutive failure. */
  readonly initialDelayMs?: number;
  /** Longest restart delay (default 30 s). */
  readonly maxDelayMs?: number;
  /** Consecutive failures after which the state says `failed` and readiness goes down (default 5). */
  readonly failedAfter?: number;
  /**
   * How long a run must stay up after it said ready before its failures stop counting as in a row
   * (default 60 s). Being ready is not being well: a projector or reactor that meets the same bad
   * event right after it subscribes fails again and again within this, and so reaches `failed`.
   */
  readonly healthyAfterMs?: number;
}

export interface SingleInstance {
  readonly leases: LeaseStore;
  /** How long a lease lasts without renewal (default 15 s); renewed every third of it. */
  readonly ttlMs?: number;
}

export interface PipelineSpec {
  readonly name: string;
  readonly work: PipelineWork;
  readonly retry?: RetryPolicy;
  /** Run at most one instance across every process sharing the lease store. */
  readonly singleInstance?: SingleInstance;
}

export interface PipelineStatus {
  readonly name: string;
  readonly state: PipelineState;
  /** When the state last changed (ISO-8601). */
  readonly since: string;
  readonly restarts: number;
  readonly consecutiveFailures: number;
  readonly lastError?: { readonly message: string; readonly at: string };
  /** Set for single-instance pipelines: whether this process holds the lease. */
  readonly leaseHeld?: boolean;
  readonly lag?: PipelineLag;
  /** Present when the work raised alerts: the pipeline runs, but degraded. */
  readonly alerts?: readonly PipelineAlert[];
}

const DEFAULT_INITIAL_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 30_000;
const DEFAULT_FAILED_AFTER = 5;
const DEFAULT_HEALTHY_AFTER_MS = 60_000;
const DEFAULT_LEASE_TTL_MS = 15_000;
/**
 * A run that stops to wait for another part of the deployment (the read models behind the log): it
 * is retried like a failure, after the first restart delay, but is no failure (found from outside:
 * the segments reactor waiting for a slow projector reached `failed` and the worker's readiness
 * flapped 503 for minutes, with an error logged each time). The state says `retrying` meanwhile.
 */
export class PipelineWaitError extends Error {
  override readonly name = 'PipelineWaitError';
}

/** Longest a pipeline's lag is waited for when its status is asked (readiness, metrics). */
const LAG_TIMEOUT_MS = 1_000;

/** What `promise` answers, or a rejection naming `ms` when it takes longer (the promise itself goes on). */
export function answerWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Waits `ms` or until the signal aborts, whichever comes first; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One supervised pipeline: the loop that (re)starts its work. */
class Pipeline {
  private stateValue: PipelineState = 'stopped';
  private sinceValue = new Date();
  private restartCount = 0;
  private failures = 0;
  private lastErrorValue: { message: string; at: string } | undefined;
  private leaseHeldValue = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly holder: string;

  constructor(
    readonly spec: PipelineSpec,
    holder: string,
    private readonly logger: Logger,
  ) {
    this.holder = holder;
  }

  get state(): PipelineState {
    return this.stateValue;
  }

  /** Starts the loop; resolves once the work is running, in standby, or its first attempt failed. */
  start(): Promise<void> {
    if (this.loop) return Promise.resolve();
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.loop = this.supervise(settle);
    return settled;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.setState('stopped');
  }

  async status(withLag: boolean): Promise<PipelineStatus> {
    let lag: PipelineLag | undefined;
    if (withLag && this.spec.work.lag && (this.stateValue === 'running' || this.stateValue === 'retrying' || this.stateValue === 'failed')) {
      // Bounded: readiness must answer while an engine is down (a Kafka projector's lag asks the broker,
      // and readiness hung with it, found from outside); the lag is left out when it takes longer.
      lag = await answerWithin(this.spec.work.lag(), LAG_TIMEOUT_MS).catch(() => undefined);
    }
    const alerts = this.spec.work.alerts?.() ?? [];
    return {
      name: this.spec.name,
      state: this.stateValue,
      since: this.sinceValue.toISOString(),
      restarts: this.restartCount,
      consecutiveFailures: this.failures,
      ...(this.lastErrorValue ? { lastError: this.lastErrorValue } : {}),
      ...(this.spec.singleInstance ? { leaseHeld: this.leaseHeldValue } : {}),
      ...(lag ? { lag } : {}),
      ...(alerts.length > 0 ? { alerts } : {}),
    };
  }

  private setState(state: PipelineState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.sinceValue = new Date();
    pipelineMetrics.state(this.spec.name, state);
  }

  private async supervise(settle: () => void): Promise<void> {
    const stop = this.stopping.signal;
    this.setState('starting');
    while (!stop.aborted) {
      if (this.spec.singleInstance && !(await this.takeLease())) {
        this.setState('standby');
        settle();
        await pause(this.renewEveryMs(), stop);
        continue;
      }
      const attempt = new AbortController();
      const onStop = (): void => attempt.abort();
      stop.addEventListener('abort', onStop, { once: true });
      const renewal = this.spec.singleInstance ? this.keepLease(attempt) : undefined;
      let healthy: NodeJS.Timeout | undefined;
      try {
        await this.spec.work.run({
          signal: attempt.signal,
          ready: () => {
            if (healthy !== undefined || attempt.signal.aborted) return;
            this.setState('running');
            settle();
            // The failures before count as in a row until this run has stayed up a while.
            healthy = setTimeout(() => {
              if (!attempt.signal.aborted) this.failures = 0;
            }, this.spec.retry?.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS);
            healthy.unref();
          },
        });
        if (!attempt.signal.aborted) throw new Error('the pipeline ended by itself');
        // Aborted: shutdown, or the lease was lost (then go round and wait for it again).
      } catch (error: unknown) {
        if (stop.aborted) break;
        const waiting = error instanceof PipelineWaitError;
        if (!waiting) this.failures += 1;
        this.restartCount += 1;
        pipelineMetrics.restarted(this.spec.name);
        this.lastErrorValue = { message: message(error), at: new Date().toISOString() };
        const delay = waiting ? (this.spec.retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS) : this.backoff();
        const failedAfter = this.spec.retry?.failedAfter ?? DEFAULT_FAILED_AFTER;
        this.setState(this.failures >= failedAfter ? 'failed' : 'retrying');
        if (waiting) {
          this.logger.warn(`Pipeline ${this.spec.name} waits, again in ${delay} ms: ${message(error)}`);
        } else {
          this.logger.error(
            `Pipeline ${this.spec.name} failed (${this.failures} in a row), restarting in ${delay} ms: ${message(error)}`,
            error instanceof Error ? error.stack : undefined,
          );
        }
        settle();
        attempt.abort();
        await renewal;
        // Let another process take over while this one backs off.
        if (this.spec.singleInstance) await this.dropLease();
        await pause(delay, stop);
        continue;
      } finally {
        clearTimeout(healthy);
        stop.removeEventListener('abort', onStop);
      }
      attempt.abort();
      await renewal;
    }
    if (this.spec.singleInstance) await this.dropLease();
    settle();
  }

  /** Full jitter on an exponential delay: restarts of many processes do not fall into step. */
  private backoff(): number {
    const initial = this.spec.retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
    const max = this.spec.retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    const ceiling = Math.min(max, initial * 2 ** Math.min(this.failures - 1, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private renewEveryMs(): number {
    return Math.max(10, Math.floor((this.spec.singleInstance?.ttlMs ?? DEFAULT_LEASE_TTL_MS) / 3));
  }

  private async takeLease(): Promise<boolean> {
    const single = this.spec.singleInstance as SingleInstance;
    try {
      this.leaseHeldValue = await single.leases.acquire(this.spec.name, this.holder, single.ttlMs ?? DEFAULT_LEASE_TTL_MS);
    } catch (error: unknown) {
      this.leaseHeldValue = false;
      this.lastErrorValue = { message: `lease: ${message(error)}`, at: new Date().toISOString() };
    }
    return this.leaseHeldValue;
  }

  /** Renews the lease while the attempt runs; aborts the attempt the moment the lease is lost. */
  private async keepLease(attempt: AbortController): Promise<void> {
    while (!attempt.signal.aborted) {
      await pause(this.renewEveryMs(), attempt.signal);
      if (attempt.signal.aborted) return;
      if (!(await this.takeLease())) {
        this.logger.warn(`Pipeline ${this.spec.name} lost its lease; another process runs it now`);
        attempt.abort();
      }
    }
  }

  private async dropLease(): Promise<void> {
    if (!this.leaseHeldValue) return;
    this.leaseHeldValue = false;
    const single = this.spec.singleInstance as SingleInstance;
    await single.leases.release(this.spec.name, this.holder).catch(() => undefined);
  }
}

export class Supervisor {
  private readonly logger = new Logger('Supervisor');
  private readonly pipelines = new Map<string, Pipeline>();

  /** `holder` names this process in leases (default: host, pid and a random suffix). */
  constructor(readonly holder: string = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`) {
    liveSupervisors.add(this);
  }

  /** Adds a pipeline and starts it; resolves once it runs, waits for its lease, or failed once. */
  async run(spec: PipelineSpec): Promise<void> {
    if (this.pipelines.has(spec.name)) throw new Error(`Pipeline ${spec.name} is already supervised`);
    const pipeline = new Pipeline(spec, this.holder, this.logger);
    this.pipelines.set(spec.name, pipeline);
    await pipeline.start();
  }

  /** Stops one pipeline (waits for its work to wind down) and forgets it. */
  async stop(name: string): Promise<void> {
    const pipeline = this.pipelines.get(name);
    if (!pipeline) return;
    await pipeline.stop();
    this.pipelines.delete(name);
  }

  /** Stops every pipeline, the newest first. */
  async stopAll(): Promise<void> {
    for (const name of [...this.pipelines.keys()].reverse()) await this.stop(name);
    liveSupervisors.delete(this);
  }

  state(name: string): PipelineState | undefined {
    return this.pipelines.get(name)?.state;
  }

  /** Every pipeline's status; `withLag` also asks each one how far behind it is. */
  statuses(withLag = true): Promise<PipelineStatus[]> {
    return Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.status(withLag)));
  }
}

/** DI token for the process's Supervisor. */
export const SUPERVISOR = Symbol('Supervisor');
