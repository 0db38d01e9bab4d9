// HTTP contracts of the customer commands: validated at the edge, so invalid commands never reach the store.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize, IsArray, IsEmail, isEmail, IsIn, registerDecorator, type ValidationArguments, IsISO8601, IsISO31661Alpha2, IsObject, IsString, Matches, MaxLength, ValidateNested,
} from 'class-validator';
import { Clearable, CommandDto, ID_MESSAGE, ID_PATTERN, NotBlank, Optional, SingleLineText, TrimSpaces } from '@app/platform';
import { CONSENT_PURPOSES, CONTACT_POINT_KINDS, GENDERS, type ConsentPurpose, type ContactPointKind, type Gender } from '../domain/customer.events';

export const E164 = /^\+[1-9][0-9]{6,14}$/;
export const BIRTH_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The rules of each profile field, whatever its presence rule. Every field is optional: a customer
 * may be known by an email, a phone or only by its ids. Spaces around a text are trimmed (controls
 * and line breaks are refused, not trimmed); given, a name says something.
 */
abstract class ProfileFieldRules {
  @ApiPropertyOptional({ example: 'Ada' }) @TrimSpaces() @IsString() @NotBlank() @MaxLength(100) @SingleLineText() firstName?: string | null;
  @ApiPropertyOptional({ example: 'Lovelace' }) @TrimSpaces() @IsString() @NotBlank() @MaxLength(100) @SingleLineText() lastName?: string | null;
  @ApiPropertyOptional({ example: 'ada@example.com' }) @TrimSpaces('lower') @IsEmail() @MaxLength(254) @SingleLineText() email?: string | null;
  @ApiPropertyOptional({ example: '+442071234567', description: 'E.164' }) @TrimSpaces() @Matches(E164, { message: 'phone must be in E.164 form, e.g. +442071234567' }) phone?: string | null;
  @ApiPropertyOptional({ example: '1990-12-10', description: 'A calendar date YYYY-MM-DD, not in the future and at most 150 years back' })
  @IsISO8601({ strict: true }) @Matches(BIRTH_DATE, { message: 'birthDate must be a date YYYY-MM-DD' }) birthDate?: string | null;
  @ApiPropertyOptional({ enum: GENDERS }) @IsIn(GENDERS) gender?: Gender | null;
  @ApiPropertyOptional({ example: 'GB' }) @TrimSpaces('upper') @IsISO31661Alpha2() country?: string | null;
  @ApiPropertyOptional({ example: 'London' }) @TrimSpaces() @IsString() @NotBlank() @MaxLength(100) @SingleLineText() city?: string | null;
  @ApiPropertyOptional({ example: 'en-GB' }) @Matches(/^[a-z]{2,3}(-[A-Z]{2})?$/, { message: 'language must be a language tag like en or en-GB' }) language?: string | null;
}

/** A registration's profile: every field may be left out; null is refused (there is nothing to clear). */
export class ProfileDto extends ProfileFieldRules {
  @Optional() declare firstName?: string;
  @Optional() declare lastName?: string;
  @Optional() declare email?: string;
  @Optional() declare phone?: string;
  @Optional() declare birthDate?: string;
  @Optional() declare gender?: Gender;
  @Optional() declare country?: string;
  @Optional() declare city?: string;
  @Optional() declare language?: string;
}

/** A profile change: a field left out stays as it is, null clears it (JSON merge patch). */
export class ProfileChangesDto extends ProfileFieldRules {
  @Clearable() declare firstName?: string | null;
  @Clearable() declare lastName?: string | null;
  @Clearable() declare email?: string | null;
  @Clearable() declare phone?: string | null;
  @Clearable() declare birthDate?: string | null;
  @Clearable() declare gender?: Gender | null;
  @Clearable() declare country?: string | null;
  @Clearable() declare city?: string | null;
  @Clearable() declare language?: string | null;
}

export class RegisterCustomerDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Chronicle customer id; generated when omitted (derived from the Idempotency-Key when one is sent).', example: 'c-1001' })
  @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId?: string;

  @ApiPropertyOptional({ description: 'The id the customer has in the publishing system: one customer per externalId (409 otherwise); set at registration, never changed.', example: 'shop-88213' })
  @Optional() @TrimSpaces() @IsString() @NotBlank() @MaxLength(100) @SingleLineText() externalId?: string;

  @ApiProperty({ type: ProfileDto, description: 'Every field optional; {} registers a customer known only by its ids.' })
  @IsObject() @ValidateNested() @Type(() => ProfileDto) profile!: ProfileDto;
}

/** Oldest birth date accepted, in years before today. */
export const MAX_AGE_YEARS = 150;

/**
 * Why a birth date cannot be right, or null: not after today anywhere on Earth (UTC+14), not more
 * than MAX_AGE_YEARS back. Needs the clock, so the controller asks, not a decorator.
 */
export function birthDateProblem(birthDate: string | null | undefined, now: Date): string | null {
  if (typeof birthDate !== 'string') return null;
  const latest = new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
  if (birthDate > latest) return 'birthDate must not lie in the future';
  const earliest = `${String(now.getUTCFullYear() - MAX_AGE_YEARS).padStart(4, '0')}${now.toISOString().slice(4, 10)}`;
  if (birthDate < earliest) return `birthDate must lie within the last ${MAX_AGE_YEARS} years`;
  return null;
}

/** At least one field given, as a value or as null. */
function NamesAField() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'namesAField',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'object' && value !== null && Object.values(value).some((field) => field !== undefined),
        defaultMessage: () => 'changes must name at least one field',
      },
    });
}

export class RegisterCustomersBatchDto {
  @ApiProperty({ type: [RegisterCustomerDto], description: 'Up to MAX_BATCH_SIZE registrations, each the body of POST /v1/customers; each is validated and recorded on its own.' })
  @IsArray() @ArrayMinSize(1) items!: unknown[];
}

export class UpdateProfileDto extends CommandDto {
  @ApiProperty({ type: ProfileChangesDto, description: 'Only the fields given change; null clears a field. externalId cannot be changed.' })
  @IsObject() @NamesAField() @ValidateNested() @Type(() => ProfileChangesDto) changes!: ProfileChangesDto;
}

interface ContactValueRule {
  accepts(value: string): boolean;
  readonly message: string;
}

/** What a contact point's value must be, by its kind: the check and the refusal that names it. */
const CONTACT_VALUE_RULES: Readonly<Record<ContactPointKind, ContactValueRule>> = {
  email: { accepts: (value) => isEmail(value), message: 'value must be an email address for an email contact point' },
  phone: { accepts: (value) => E164.test(value), message: 'value must be a phone number in E.164 form, e.g. +442071234567, for a phone contact point' },
  address: { accepts: (value) => value.length > 0, message: 'value must be the address as text for an address contact point' },
};

/** A kind it does not know is refused on `kind`; its value is held to no other kind's rule. */
const UNKNOWN_KIND_VALUE: ContactValueRule = { accepts: (value) => value.length > 0, message: `value must suit the contact point's kind (${CONTACT_POINT_KINDS.join(', ')})` };

function contactValueRule(kind: unknown): ContactValueRule {
  return (CONTACT_POINT_KINDS as readonly unknown[]).includes(kind) ? CONTACT_VALUE_RULES[kind as ContactPointKind] : UNKNOWN_KIND_VALUE;
}

/** An email contact point must be an email address, a phone an E.164 number, an address text. */
function MatchesContactKind() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'matchesContactKind',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => typeof value === 'string' && contactValueRule((args.object as { kind?: unknown }).kind).accepts(value),
        defaultMessage: (args?: ValidationArguments) => contactValueRule((args?.object as { kind?: unknown })?.kind).message,
      },
    });
}

export class AddContactPointDto extends CommandDto {
  @ApiProperty({ enum: CONTACT_POINT_KINDS }) @IsIn(CONTACT_POINT_KINDS) kind!: ContactPointKind;
  @ApiProperty({ example: 'ada.work@example.com' }) @TrimSpaces() @IsString() @NotBlank() @MaxLength(300) @SingleLineText() @MatchesContactKind() value!: string;
  @ApiPropertyOptional({ example: 'work' }) @Optional() @TrimSpaces() @IsString() @NotBlank() @MaxLength(50) @SingleLineText() label?: string;
}

export class ConsentDto extends CommandDto {
  @ApiProperty({ enum: CONSENT_PURPOSES }) @IsIn(CONSENT_PURPOSES) purpose!: ConsentPurpose;
  @ApiProperty({ description: 'true gives the consent, false withdraws it' }) @IsIn([true, false], { message: 'granted must be true or false' }) granted!: boolean;
  @ApiProperty({ example: 'web-preferences', description: 'Where the customer said so' }) @TrimSpaces() @IsString() @NotBlank() @MaxLength(100) @SingleLineText() via!: string;
}
