// Segment settings from SEGMENTS_* environment variables, validated at start: a bad value fails the
// start naming the variable.
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min, validateSync } from 'class-validator';
import { ConfigError } from '@app/platform';

const toNumber = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());

export class SegmentsConfig {
  /** Whether this process runs the segments reactor (needs the event store and the read store). */
  @Transform(toBool) @IsBoolean()
  SEGMENTS_REACTOR = true;

  /** Most events per reactor batch. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(10000)
  SEGMENTS_REACTOR_BATCH_SIZE = 500;

  /** How long the reactor waits for the read models to include a batch before retrying it, in ms. */
  @Transform(toNumber) @IsInt() @Min(10) @Max(600_000)
  SEGMENTS_READ_WAIT_MS = 10_000;

  /** How often time-bound segments are swept, in ms; 0 turns the timer off. */
  @Transform(toNumber) @IsInt() @Min(0)
  SEGMENTS_SWEEP_INTERVAL_MS = 3_600_000;

  /** Customers loaded per page when evaluating everyone. */
  @Transform(toNumber) @IsInt() @Min(1) @Max(10_000)
  SEGMENTS_PAGE_SIZE = 500;
}

export function loadSegmentsConfig(env: Record<string, string | undefined> = process.env): SegmentsConfig {
  const known = Object.keys(new SegmentsConfig());
  const relevant = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== undefined && known.includes(key)));
  const config = plainToInstance(SegmentsConfig, relevant, { exposeDefaultValues: true });
  const problems = validateSync(config).map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
