// class-validator decorator for DTO fields that carry a currency: exactly an upper-case active ISO
// 4217 code with a minor unit. Apart from the pure index so domain code never pulls class-validator.
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { currencyCodeProblem, isCurrencyCode } from '../currency';

export function IsCurrencyCode(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'isCurrencyCode',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) => currencyCodeProblem(args.value, args.property) ?? `${args.property} must be an ISO 4217 currency code`,
        ...options,
      },
      validator: { validate: (value: unknown) => isCurrencyCode(value) },
    });
  };
}
