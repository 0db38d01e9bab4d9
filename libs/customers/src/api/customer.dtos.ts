// HTTP contracts of the customer commands: validated at the edge, so invalid commands never reach the store.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize, IsArray, IsEmail, isEmail, IsIn, registerDecorator, type ValidationArguments, IsISO8601, IsISO31661Alpha2, IsNotEmpty, IsNotEmptyObject, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested,
} from 'class-validator';
import { CommandDto, ID_MESSAGE, ID_PATTERN } from '@app/platform';
import { CONSENT_PURPOSES, CONTACT_POINT_KINDS, GENDERS, type ConsentPurpose, type ContactPointKind, type Gender } from '../domain/customer.events';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
export const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Profile fields; all optional here, required ones are checked by RegisterCustomerDto. */
export class ProfileChangesDto {
  @ApiPropertyOptional({ example: 'Ada' }) @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100) firstName?: string;
  @ApiPropertyOptional({ example: 'Lovelace' }) @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100) lastName?: string;
  @ApiPropertyOptional({ example: 'ada@example.com' }) @IsOptional() @Transform(lower) @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ example: '+442071234567', description: 'E.164' }) @IsOptional() @Transform(trim) @Matches(E164, { message: 'phone must be in E.164 form, e.g. +442071234567' }) phone?: string;
  @ApiPropertyOptional({ example: '1990-12-10' }) @IsOptional() @IsISO8601({ strict: true }) @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'birthDate must be a date YYYY-MM-DD' }) birthDate?: string;
  @ApiPropertyOptional({ enum: GENDERS }) @IsOptional() @IsIn(GENDERS) gender?: Gender;
  @ApiPropertyOptional({ example: 'GB' }) @IsOptional() @Transform(upper) @IsISO31661Alpha2() country?: string;
  @ApiPropertyOptional({ example: 'London' }) @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100) city?: string;
  @ApiPropertyOptional({ example: 'en-GB' }) @IsOptional() @Matches(/^[a-z]{2,3}(-[A-Z]{2})?$/, { message: 'language must be a language tag like en or en-GB' }) language?: string;
}

export class ProfileDto extends ProfileChangesDto {
  @ApiProperty({ example: 'Ada' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100) declare firstName: string;
  @ApiProperty({ example: 'Lovelace' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100) declare lastName: string;
}

export class RegisterCustomerDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Chronicle customer id; generated when omitted (derived from the Idempotency-Key when one is sent).', example: 'c-1001' })
  @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId?: string;

  @ApiPropertyOptional({ description: 'The id the customer has in the publishing system.', example: 'shop-88213' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) externalId?: string;

  @ApiProperty({ type: ProfileDto }) @IsObject() @ValidateNested() @Type(() => ProfileDto) profile!: ProfileDto;
}

export class RegisterCustomersBatchDto {
  @ApiProperty({ type: [RegisterCustomerDto], description: 'Up to MAX_BATCH_SIZE registrations, each the body of POST /v1/customers; each is validated and recorded on its own.' })
  @IsArray() @ArrayMinSize(1) items!: unknown[];
}

export class UpdateProfileDto extends CommandDto {
  @ApiProperty({ type: ProfileChangesDto }) @IsNotEmptyObject({ nullable: false }, { message: 'changes must name at least one field' }) @ValidateNested() @Type(() => ProfileChangesDto) changes!: ProfileChangesDto;
}

/** An email contact point must be an email address, a phone an E.164 number. */
function MatchesContactKind() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'matchesContactKind',
      target: target.constructor,
      propertyName,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const kind = (args.object as { kind?: string }).kind;
          if (typeof value !== 'string') return false;
          if (kind === 'email') return isEmail(value);
          if (kind === 'phone') return E164.test(value);
          return value.length > 0;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `value must be ${(args?.object as { kind?: string })?.kind === 'phone' ? 'an E.164 phone number' : 'an email address'} for a ${(args?.object as { kind?: string })?.kind} contact point`,
      },
    });
}

export class AddContactPointDto extends CommandDto {
  @ApiProperty({ enum: CONTACT_POINT_KINDS }) @IsIn(CONTACT_POINT_KINDS) kind!: ContactPointKind;
  @ApiProperty({ example: 'ada.work@example.com' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(300) @MatchesContactKind() value!: string;
  @ApiPropertyOptional({ example: 'work' }) @IsOptional() @IsString() @MaxLength(50) label?: string;
}

export class ConsentDto extends CommandDto {
  @ApiProperty({ enum: CONSENT_PURPOSES }) @IsIn(CONSENT_PURPOSES) purpose!: ConsentPurpose;
  @ApiProperty({ description: 'true gives the consent, false withdraws it' }) @IsIn([true, false], { message: 'granted must be true or false' }) granted!: boolean;
  @ApiProperty({ example: 'web-preferences', description: 'Where the customer said so' }) @IsString() @IsNotEmpty() @MaxLength(100) via!: string;
}
