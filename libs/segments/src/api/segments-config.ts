// Segment settings from SEGMENTS_* environment variables, validated at start: a bad value fails the
// start naming the variable.
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { envBoolean, envNumber, readEnvConfig } from '@app/platform';


export class SegmentsConfig {
  /** Whether this process runs the segments reactor (needs the event store and the read store). */
  @Transform(envBoolean) @IsBoolean()
  SEGMENTS_REACTOR = true;

  /** Most events per reactor batch. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(10000)
  SEGMENTS_REACTOR_BATCH_SIZE = 500;

  /** How long the reactor waits for the read models to include a batch before retrying it, in ms. */
  @Transform(envNumber) @IsInt() @Min(10) @Max(600_000)
  SEGMENTS_READ_WAIT_MS = 10_000;

  /** How often time-bound segments are swept, in ms; 0 turns the timer off. */
  @Transform(envNumber) @IsInt() @Min(0)
  SEGMENTS_SWEEP_INTERVAL_MS = 3_600_000;

  /** Customers loaded per page when evaluating everyone. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(10_000)
  SEGMENTS_PAGE_SIZE = 500;
}

export function loadSegmentsConfig(env: Record<string, string | undefined> = process.env): SegmentsConfig {
  return readEnvConfig(SegmentsConfig, env);
}
