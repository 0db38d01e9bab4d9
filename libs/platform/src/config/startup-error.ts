// A process that cannot start says why, one line per problem: the errors and the line format every
// configuration loader and every store's opening share, apart from the loaders' validation (env-config.ts),
// so what opens the stores (the projector thread's too) does not load class-validator for them.

/** A process cannot start: one clear line per problem, no stack trace. */
export class StartupError extends Error {
  constructor(
    readonly problems: readonly string[],
    heading = 'Chronicle cannot start',
  ) {
    super(`${heading}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StartupError';
  }
}

/** A setting is missing or invalid: every bad variable is named in `problems`. */
export class ConfigError extends StartupError {
  constructor(problems: readonly string[]) {
    super(problems, 'Invalid configuration');
    this.name = 'ConfigError';
  }
}

/** `NAME="value": what is wrong`, or `NAME is not set: what is wrong`. */
export function describeSetting(name: string, given: string | undefined, reason: string): string {
  return given === undefined ? `${name} is not set: ${reason}` : `${name}=${JSON.stringify(given)}: ${reason}`;
}
