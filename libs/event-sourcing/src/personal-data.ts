// Which values in event data are personal (names, email addresses, phone numbers, postal addresses,
// birth dates, free text). Each capability declares its own events' personal paths per schema
// version next to the events; the composition collects them. Stores encrypt exactly these values
// with the customer's data key, and once the key is destroyed every reader sees FORGOTTEN in their
// place. Projections scrub read models with the same function, so a rebuild after a forget writes
// what the live projector wrote. Pure: no I/O.
import type { EventSchemas } from './event-schemas';

/** What a personal value reads as once its customer was forgotten (the data key destroyed). */
export const FORGOTTEN = '[forgotten]';

export interface PersonalDataDeclaration {
  /** Event type. */
  readonly type: string;
  /** Schema version of the payload these paths describe. */
  readonly version: number;
  /**
   * Paths to personal values in the payload: `profile.email`, `summary`; `[]` steps into every
   * element of an array (`lines[].note`). A path whose value is absent or null is skipped.
   */
  readonly paths: readonly string[];
}

interface Step {
  readonly key: string;
  readonly each: boolean;
}

const parsed = new Map<string, readonly Step[]>();

function parse(path: string): readonly Step[] {
  const known = parsed.get(path);
  if (known) return known;
  const steps = path.split('.').map((part) => {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    if (key.length === 0) throw new Error(`Bad personal-data path "${path}"`);
    return { key, each };
  });
  parsed.set(path, steps);
  return steps;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapAt(value: unknown, steps: readonly Step[], change: (value: unknown) => unknown): unknown {
  if (steps.length === 0) return value === undefined || value === null ? value : change(value);
  if (!isObject(value)) return value;
  const [step, ...rest] = steps;
  if (!(step.key in value)) return value;
  const inner = value[step.key];
  let next: unknown;
  if (step.each) next = Array.isArray(inner) ? inner.map((element) => mapAt(element, rest, change)) : inner;
  else next = mapAt(inner, rest, change);
  return next === inner ? value : { ...value, [step.key]: next };
}

/**
 * The payload with `change` applied to every present (not null) value at these paths; everything
 * else is shared with the input, which is never modified.
 */
export function mapPersonalValues(data: unknown, paths: readonly string[], change: (value: unknown) => unknown): unknown {
  return paths.reduce((current, path) => mapAt(current, parse(path), change), data);
}

/** Every present value at these paths, in path order. */
export function personalValues(data: unknown, paths: readonly string[]): unknown[] {
  const found: unknown[] = [];
  mapPersonalValues(data, paths, (value) => {
    found.push(value);
    return value;
  });
  return found;
}

/** The payload as a forgotten customer's reads: every present personal value replaced by FORGOTTEN. */
export function forgetPersonalValues(data: unknown, paths: readonly string[]): unknown {
  return mapPersonalValues(data, paths, () => FORGOTTEN);
}

/** The personal paths of one capability's event type at its latest declared version (for projections). */
export function latestPersonalPaths(declarations: readonly PersonalDataDeclaration[], type: string): readonly string[] {
  let latest: PersonalDataDeclaration | undefined;
  for (const declaration of declarations) {
    if (declaration.type === type && (!latest || declaration.version > latest.version)) latest = declaration;
  }
  return latest?.paths ?? [];
}

/** Every capability's declarations, checked: one per type and version, and the current version of each declared type covered. */
export class PersonalData {
  private readonly byKey = new Map<string, readonly string[]>();
  private readonly latest = new Map<string, number>();

  constructor(declarations: readonly PersonalDataDeclaration[], schemas?: EventSchemas) {
    for (const declaration of declarations) {
      const key = `${declaration.type}\u0000${declaration.version}`;
      if (this.byKey.has(key)) throw new Error(`Personal data of ${declaration.type} v${declaration.version} is declared twice`);
      for (const path of declaration.paths) parse(path);
      this.byKey.set(key, declaration.paths);
      this.latest.set(declaration.type, Math.max(this.latest.get(declaration.type) ?? 0, declaration.version));
    }
    if (schemas) {
      // Readers decrypt at the current version's paths (after upcasting): a type whose personal data
      // is declared for an older version only would stay encrypted, or worse, be written in clear.
      for (const [type, latest] of this.latest) {
        const current = schemas.currentVersion(type);
        if (latest !== current) throw new Error(`${type} is at schema v${current} but its personal data is declared up to v${latest}: declare v${current}`);
      }
    }
  }

  static none(): PersonalData {
    return new PersonalData([]);
  }

  /** Personal paths of an event type at a schema version; empty when it has none. */
  paths(type: string, version: number): readonly string[] {
    return this.byKey.get(`${type}\u0000${version}`) ?? [];
  }

  /** Event types with personal data, each with the latest declared version. */
  types(): ReadonlyMap<string, number> {
    return this.latest;
  }
}
