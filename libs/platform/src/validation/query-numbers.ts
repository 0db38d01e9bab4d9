// Whole numbers in a query string. `Number()` (class-transformer's @Type(() => Number)) reads far more
// than digits: `0x10` is 16, `1e1` is 10, ` 10 ` and `+10` are 10, `''` is 0, so a client's typo or
// an encoding slip was taken as a number it never wrote. Only decimal digits (with a leading minus)
// become a number here; anything else stays as sent, and @IsInt refuses it (400 naming the parameter).
import { Transform } from 'class-transformer';

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * `@QueryInteger() @IsInt() limit?: number`: a query parameter of decimal digits, read as a number.
 * Digits beyond what a number holds exactly (2^53) stay as sent too: `99999999999999999999` read as
 * 1e20 passed @IsInt and waited for a position no log reaches (found from outside).
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string' || !DECIMAL_INTEGER.test(value)) return value;
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value;
  });
}
