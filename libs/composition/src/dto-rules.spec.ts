// The input rules hold for every DTO of every capability, including ones added later: every string a
// client sends carries a text rule (single-line or free text), and no command field lets JSON null
// through (class-validator's @IsOptional does; @Optional and @Clearable from @app/platform do not,
// or do so on purpose). Reads class-validator's metadata after loading every module.
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import './chronicle.module';

type Target = abstract new (...args: never[]) => unknown;

const TEXT_TYPES = new Set(['isString', 'isEmail', 'isUrl']);
const TEXT_RULES = new Set(['isSingleLineText', 'isMultiLineText']);

function allMetadata(): Map<Target, ValidationMetadata[]> {
  return (getMetadataStorage() as unknown as { validationMetadatas: Map<Target, ValidationMetadata[]> }).validationMetadatas;
}

/**
 * The rules class-validator applies to a class: its own and those it inherits, except inherited ones a
 * subclass shadows (a subclass's custom validator on a property drops the parent's custom validators
 * there, which once left ProfileDto's names without any rule).
 */
function applied(target: Target): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(target as unknown as new () => unknown, '', true, false);
}

/** Every DTO class of the HTTP API: exported classes named …Dto that carry validation metadata. */
function dtoClasses(): Target[] {
  return [...allMetadata().keys()].filter((target) => /Dto$/.test(target.name));
}

describe('input rules on every DTO', () => {
  const all = allMetadata();

  it('finds the DTOs of every capability', () => {
    const names = dtoClasses().map((target) => target.name);
    for (const name of ['RegisterCustomerDto', 'ProfileChangesDto', 'LogCallDto', 'OrderLineDto', 'OpenTicketDto', 'RedeemPointsDto', 'DefineSegmentDto', 'SearchQueryDto', 'CommandDto']) {
      expect(names).toContain(name);
    }
  });

  it('puts a text rule on every string field', () => {
    const missing: string[] = [];
    for (const target of dtoClasses()) {
      const metadata = applied(target);
      const properties = new Set(metadata.filter((m) => TEXT_TYPES.has(m.name ?? '')).map((m) => m.propertyName));
      for (const property of properties) {
        if (!metadata.some((m) => m.propertyName === property && TEXT_RULES.has(m.name ?? ''))) missing.push(`${target.name}.${property}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps every rule a class inherits, also on the fields it redeclares', () => {
    const lost: string[] = [];
    for (const target of dtoClasses()) {
      const rule = (m: ValidationMetadata) => `${m.propertyName}:${m.name ?? (m.constraintCls as { name?: string } | undefined)?.name ?? m.type}`;
      const kept = new Set(applied(target).map(rule));
      for (let parent = Object.getPrototypeOf(target); typeof parent === 'function' && parent.prototype; parent = Object.getPrototypeOf(parent)) {
        for (const m of all.get(parent) ?? []) {
          if (m.type === ValidationTypes.CUSTOM_VALIDATION && !kept.has(rule(m))) lost.push(`${target.name} ${rule(m)}`);
        }
      }
    }
    expect([...new Set(lost)]).toEqual([]);
  });

  it('lets no command field take null through @IsOptional (query strings cannot carry null, so …QueryDto may)', () => {
    const offenders = dtoClasses()
      .filter((target) => !/QueryDto$/.test(target.name))
      .flatMap((target) => (all.get(target) ?? []).filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION && m.name === 'isOptional').map((m) => `${target.name}.${m.propertyName}`));
    expect(offenders).toEqual([]);
  });
});
