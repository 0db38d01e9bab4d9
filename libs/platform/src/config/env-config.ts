// How every configuration loader (Chronicle's own, LOYALTY_*, ANALYTICS_*, SEGMENTS_*) reads its
// variables, so a bad value is reported the same way everywhere: one line per variable, naming it
// and quoting the value as given (a number that does not parse is shown as typed, never as null).
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigError, describeSetting } from './startup-error';

export { ConfigError, describeSetting, StartupError } from './startup-error';

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** `@Transform(envNumber)`: a number, NaN when the text is not one (so validation names it), undefined when unset. */
export const envNumber = ({ value }: { value: unknown }): unknown => (value === undefined || value === '' ? undefined : typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value));

/** `@Transform(envBoolean)`: true/false words; anything else stays text, so `@IsBoolean()` refuses it instead of reading it as false. */
export const envBoolean = ({ value }: { value: unknown }): unknown => {
  if (value === undefined || value === '') return undefined;
  const word = String(value).trim().toLowerCase();
  return TRUE.includes(word) ? true : FALSE.includes(word) ? false : value;
};

/**
 * Reads the variables a config class declares (its own properties, plus `optional` names that have no
 * default), converts and validates them with the class' decorators, and throws a ConfigError naming
 * every bad one.
 */
export function readEnvConfig<T extends object>(type: new () => T, env: Record<string, string | undefined>, optional: readonly string[] = []): T {
  const known = new Set([...Object.keys(new type()), ...optional]);
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && known.has(name)) given[name] = value;
  const config = plainToInstance(type, given, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) throw new ConfigError(errors.map((error) => describeSetting(error.property, given[error.property], reasons(error))));
  return config;
}

function reasons(error: ValidationError): string {
  return Object.values(error.constraints ?? {}).join('; ');
}
