// HTTP contracts of the loyalty commands and queries.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { CommandDto, ID_MESSAGE, ID_PATTERN, NotBlank, QueryInteger, SingleLineText } from '@app/platform';

const MAX_POINTS = 1_000_000_000;

export class RedeemPointsDto extends CommandDto {
  @ApiProperty({ example: 'rd-20261120-1', description: 'The caller\'s id for this redemption: a retry with the same id is answered as the original.' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) redemptionId!: string;
  @ApiProperty({ example: 500 }) @IsInt() @Min(1) @Max(MAX_POINTS) points!: number;
  @ApiProperty({ example: '5 EUR voucher' }) @IsString() @NotBlank() @MaxLength(500) @SingleLineText() reason!: string;
}

export class AdjustPointsDto extends CommandDto {
  @ApiProperty({ example: 'adj-7781', description: 'The caller\'s id for this correction: a retry with the same id is answered as the original.' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) adjustmentId!: string;
  @ApiProperty({ example: -120, description: 'Signed: positive adds a lot of points, negative takes points oldest first (not below 0). Not 0.' })
  @IsInt() @Min(-MAX_POINTS) @Max(MAX_POINTS) @NotEquals(0, { message: 'points must not be 0' }) points!: number;
  @ApiProperty({ example: 'Duplicate earn on order o-17' }) @IsString() @NotBlank() @MaxLength(500) @SingleLineText() reason!: string;
}

export class LoyaltyAccountQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded by READ_WAIT_TIMEOUT_MS) until the read model includes this global position, as answered by a command.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

export class LoyaltyHistoryQueryDto extends LoyaltyAccountQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: "nextCursor of the previous page of this customer's history (another customer's is refused)" }) @IsOptional() @IsString() @MaxLength(200) @SingleLineText() cursor?: string;
}
