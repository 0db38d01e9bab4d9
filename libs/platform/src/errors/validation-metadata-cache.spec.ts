import 'reflect-metadata';
import { getMetadataStorage, IsInt, IsString, Min, ValidateNested, validateSync } from 'class-validator';
import { Type, plainToInstance } from 'class-transformer';
import { cacheValidationMetadata } from './validation-metadata-cache';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };
const failures = (cls: new () => object, plain: object) =>
  validateSync(plainToInstance(cls, plain), OPTIONS).flatMap(function flat(error): string[] {
    return [...Object.keys(error.constraints ?? {}).map((rule) => `${error.property}:${rule}`), ...(error.children ?? []).flatMap(flat)];
  }).sort();

class Line {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

class Order {
  @IsString() orderId!: string;
  @ValidateNested({ each: true }) @Type(() => Line) lines!: Line[];
}

describe('cacheValidationMetadata', () => {
  const storage = getMetadataStorage();
  beforeAll(() => cacheValidationMetadata(storage));

  it('answers the same rules as before, once looked up per class and options', () => {
    expect(failures(Order, { orderId: 'o', lines: [{ sku: 's', quantity: 0 }, { sku: 1, quantity: 2, extra: true }] })).toEqual(['extra:whitelistValidation', 'quantity:min', 'sku:isString']);
    const first = storage.getTargetValidationMetadatas(Order, '', false, false);
    expect(storage.getTargetValidationMetadatas(Order, '', false, false)).toBe(first);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
    expect(storage.getTargetValidationMetadatas(Order, '', false, false, ['admin'])).not.toBe(first);
  });

  it('forgets what it remembered when a rule is registered later: a subclass and a new rule on a validated class both count', () => {
    expect(failures(Line, { sku: 's', quantity: 1 })).toEqual([]);
    class GiftLine extends Line {
      @IsString() message!: string;
    }
    expect(failures(GiftLine, { sku: 's', quantity: 0 })).toEqual(['message:isString', 'quantity:min']);
    // A decorator applied to Line after Line was validated (as a module loaded later would).
    Min(5)(Line.prototype, 'quantity');
    expect(failures(Line, { sku: 's', quantity: 2 })).toEqual(['quantity:min']);
    expect(failures(GiftLine, { sku: 's', quantity: 2, message: 'hi' })).toEqual(['quantity:min']);
  });

  it('installs once: a second call leaves the first cache in place', () => {
    const lookup = storage.getTargetValidationMetadatas;
    cacheValidationMetadata(storage);
    expect(storage.getTargetValidationMetadatas).toBe(lookup);
  });
});
