// The text rules of every string a client sends, as class-validator decorators: one for single-line
// fields (names, subjects, ids, labels, SKUs, reasons), one for free text (notes, replies, comments).
// The characters themselves are defined once in @app/event-sourcing's text rules.
import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { describeTextFault, saysSomething, textFault, type TextKind } from '@app/event-sourcing';

function textRule(kind: TextKind, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: kind === 'single-line' ? 'isSingleLineText' : 'isMultiLineText',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: {
        // Other types are for @IsString and friends to name; this rule is about characters only.
        validate: (value: unknown) => typeof value !== 'string' || textFault(value, kind) === null,
        defaultMessage: (args?: ValidationArguments) => {
          const fault = typeof args?.value === 'string' ? textFault(args.value, kind) : null;
          const allowed = kind === 'single-line' ? 'one line of text' : 'text (line feeds and tabs allowed)';
          return `${args?.property ?? 'value'} must be ${allowed} without control characters, bidi controls or unpaired surrogates${fault ? `: ${describeTextFault(fault)}` : ''}`;
        },
      },
    });
}

/** One line: no control character at all (tab, CR and LF included), no U+2028/U+2029, no bidi control. */
export function SingleLineText(validationOptions?: ValidationOptions): PropertyDecorator {
  return textRule('single-line', validationOptions);
}

/**
 * Free text: LF and tab are the only controls. CRLF is taken as LF (what Windows clients send);
 * a lone CR is refused.
 */
export function MultiLineText(validationOptions?: ValidationOptions): PropertyDecorator {
  const normalise = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\r\n/g, '\n') : value));
  const rule = textRule('multi-line', validationOptions);
  return (target: object, propertyName: string | symbol) => {
    normalise(target, propertyName);
    rule(target, propertyName);
  };
}

/** Spaces at either end of a text (U+0020, no-break and other Unicode spaces, a BOM): not controls. */
const EDGE_SPACES = /^[\p{Zs}\uFEFF]+|[\p{Zs}\uFEFF]+$/gu;

/**
 * `text` without its leading and trailing spaces. Unlike String.prototype.trim, controls and line
 * breaks (tab, LF, VT, CR, U+2028...) stay, so the text rules refuse them: "Ann\n" is a 400 naming
 * the field, as the document's pattern says, not a name silently stored as "Ann".
 */
export function trimSpaces(text: string): string {
  return text.replace(EDGE_SPACES, '');
}

/** `@TrimSpaces()`: a text field's edge spaces are dropped before the rules run (see trimSpaces). */
export function TrimSpaces(toCase?: 'lower' | 'upper'): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const text = trimSpaces(value);
    return toCase === 'lower' ? text.toLowerCase() : toCase === 'upper' ? text.toUpperCase() : text;
  });
}

export { BLANK_CHARACTERS } from '@app/event-sourcing';

/** Not empty, not only white space, not only characters that show nothing: a subject of three spaces or of a zero-width space says nothing. */
export function NotBlank(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotBlank',
      target: target.constructor,
      propertyName: String(propertyName),
      options: validationOptions,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || saysSomething(value),
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must not be empty or only white space (or characters that show nothing)`,
      },
    });
}
