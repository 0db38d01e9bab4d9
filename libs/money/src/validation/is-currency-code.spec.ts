import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsCurrencyCode } from './is-currency-code';

class PriceDto {
  @IsCurrencyCode() currency!: string;
}

function problems(currency: unknown): string[] {
  return validateSync(plainToInstance(PriceDto, { currency })).flatMap((error) => Object.values(error.constraints ?? {}));
}

describe('@IsCurrencyCode', () => {
  it('passes an upper-case active code and refuses the rest with the reason', () => {
    expect(problems('JPY')).toEqual([]);
    expect(problems('eur')).toEqual(['currency must be the upper-case ISO 4217 code: did you mean EUR? (got "eur")']);
    expect(problems('XYZ')).toEqual(['currency "XYZ" is not an active ISO 4217 currency code (e.g. EUR, USD, JPY)']);
    expect(problems(undefined)).toEqual(['currency must be an ISO 4217 currency code as a string, such as EUR']);
  });
});
