// Every property validated as a nested object also checks that it is an object: the value itself, or
// each element of a list (the same `each`). Nested validation alone lets an array through where an
// object is expected (class-transformer maps it element-wise and class-validator validates the inner
// array's elements), so `lines: [[]]` reached the domain as an order line without fields and was
// refused there (422) instead of by the API naming the field (400). Reads class-validator's metadata
// after loading every module, as dto-rules.spec.ts does, so DTOs added later are held to it too.
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import './chronicle.module';

type Target = abstract new (...args: never[]) => unknown;

/** Every class carrying validation metadata, whatever its name. */
function validatedClasses(): Target[] {
  return [...(getMetadataStorage() as unknown as { validationMetadatas: Map<Target, ValidationMetadata[]> }).validationMetadatas.keys()];
}

/** The rules class-validator applies to a class, inherited ones included. */
function applied(target: Target): ValidationMetadata[] {
  return getMetadataStorage().getTargetValidationMetadatas(target as unknown as new () => unknown, '', true, false);
}

const kind = (each: boolean) => (each ? '({ each: true })' : '()');

/** Each nested property as `Class.property`, with what is wrong with its object check (null when right). */
function nestedProperties(): { readonly property: string; readonly fault: string | null }[] {
  const found: { property: string; fault: string | null }[] = [];
  for (const target of validatedClasses()) {
    const rules = applied(target);
    for (const nested of rules.filter((rule) => rule.type === ValidationTypes.NESTED_VALIDATION)) {
      const each = nested.each === true;
      const property = `${target.name}.${nested.propertyName}`;
      const checks = rules.filter((rule) => rule.propertyName === nested.propertyName && rule.type === ValidationTypes.CUSTOM_VALIDATION && rule.name === 'isObject');
      const fault = checks.some((rule) => (rule.each === true) === each)
        ? null
        : `${property} has @ValidateNested${kind(each)} without @IsObject${kind(each)}${checks.length > 0 ? ` (its @IsObject${kind(!each)} checks ${each ? 'the list, not each element' : 'each element, not the value'})` : ''}`;
      if (!found.some((seen) => seen.property === property)) found.push({ property, fault });
    }
  }
  return found;
}

describe('nested objects on every DTO', () => {
  it('finds the nested properties of every capability', () => {
    expect(nestedProperties().map(({ property }) => property)).toEqual(
      expect.arrayContaining(['RegisterCustomerDto.profile', 'UpdateProfileDto.changes', 'CompletePurchaseDto.lines', 'OpenTicketDto.sla']),
    );
  });

  it('checks that a value validated as a nested object is an object (each element of a list), so an array in its place is a 400', () => {
    expect(nestedProperties().flatMap(({ fault }) => (fault === null ? [] : [fault]))).toEqual([]);
  });
});
