// HTTP contracts of the segments API. The rule is a JSON tree checked by the rule validator, which
// names each bad node by its path (`rule.all[1].purchases.withinDays`).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, MultiLineText, NotBlank, Optional, QueryInteger, RequestValidationError, SingleLineText } from '@app/platform';
import { CONSENT_PURPOSE_NAMES, validateSegmentRule, type ConsentPurposeName, type RuleVocabulary, type SegmentRule } from '../domain/segment-rule';
import { MAX_SEGMENT_DESCRIPTION_LENGTH, MAX_SEGMENT_NAME_LENGTH } from '../domain/segment.decider';

const RULE_EXAMPLE = { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: 183 } }] };
/** The rule's schema is generated from the SegmentRule type (see the composition's api-types.ts). */
const RULE_SCHEMA = { allOf: [{ $ref: '#/components/schemas/SegmentRule' }] };
const RULE_DESCRIPTION = 'Condition tree: {all:[…]}, {any:[…]}, {not:…} over leaves {field: age|gender|country|city, op, value}, {purchases}, {lastPurchase}, {calls}, {ticketsOpen}, {emailsOpened}, {rfm}, {loyaltyTier} (tiers of LOYALTY_TIERS), {npsClass}, {consent}.';

/** Throws a 400 naming every bad node of the rule. */
export function checkedRule(rule: unknown, vocabulary: RuleVocabulary, root = 'rule'): SegmentRule {
  const errors = validateSegmentRule(rule, root, vocabulary);
  if (errors.length > 0) throw new RequestValidationError(errors.map((e) => ({ field: e.path, message: e.message })));
  return rule as SegmentRule;
}

export class DefineSegmentDto {
  @ApiPropertyOptional({ example: 'thirties-frequent', description: 'The caller\'s id for the segment (a retry with the same id is answered as the original); generated when absent.' })
  @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) segmentId?: string;
  @ApiProperty({ example: 'Thirties, frequent buyers' }) @IsString() @NotBlank() @MaxLength(MAX_SEGMENT_NAME_LENGTH) @SingleLineText() name!: string;
  @ApiPropertyOptional({ example: 'In their 30s, 3+ orders in the last 6 months' }) @Optional() @IsString() @MaxLength(MAX_SEGMENT_DESCRIPTION_LENGTH) @MultiLineText() description?: string;
  @ApiProperty({ example: RULE_EXAMPLE, description: RULE_DESCRIPTION, ...RULE_SCHEMA }) @IsObject() rule!: Record<string, unknown>;
  @ApiPropertyOptional({ enum: CONSENT_PURPOSE_NAMES, description: 'What the segment is used for, when that needs consent (e.g. marketing_email): only customers who currently give that consent are ever members.' })
  @Optional() @IsIn(CONSENT_PURPOSE_NAMES) purpose?: ConsentPurposeName;
}

export class ChangeSegmentRuleDto {
  @ApiProperty({ example: RULE_EXAMPLE, description: RULE_DESCRIPTION, ...RULE_SCHEMA }) @IsObject() rule!: Record<string, unknown>;
}

export class PreviewSegmentDto {
  @ApiProperty({ example: RULE_EXAMPLE, description: RULE_DESCRIPTION, ...RULE_SCHEMA }) @IsObject() rule!: Record<string, unknown>;
  @ApiPropertyOptional({ enum: CONSENT_PURPOSE_NAMES, description: 'Preview as a segment used for this consent purpose' }) @Optional() @IsIn(CONSENT_PURPOSE_NAMES) purpose?: ConsentPurposeName;
  @ApiPropertyOptional({ default: 20, maximum: 100 }) @Optional() @IsInt() @Min(0) @Max(100) sampleSize?: number;
}

export class ListSegmentsQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'archived'] }) @IsOptional() @IsIn(['active', 'archived']) status?: 'active' | 'archived';
}

export class SegmentQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read model includes this global position, as answered by a command.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

export class SegmentMembersQueryDto {
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ description: "nextCursor of the previous page of this segment's members (another segment's is refused)" }) @IsOptional() @IsString() @MaxLength(300) @SingleLineText() cursor?: string;
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read models include this global position: the segment\'s evaluation.position gives every member its evaluation decided.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}
