// HTTP contracts of the interaction commands, one DTO per kind; the batch endpoint reuses them per item.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { CommandDto, ID_MESSAGE, ID_PATTERN } from '@app/platform';
import type { CallConnection, CallDirection, CallResolution, ChatChannel, SalesChannel, SurveyKind } from '../domain/interaction.events';
import { CALL_OUTCOMES_V1, type CallOutcomeV1 } from '../domain/interaction.schemas';

const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const CURRENCY = /^[A-Z]{3}$/;
const MAX_MINOR = 1_000_000_000_00; // a billion in major units: more is a data error

export const CALL_DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound'];
export const CALL_CONNECTIONS: readonly CallConnection[] = ['answered', 'busy', 'no_answer', 'voicemail'];
export const CALL_RESOLUTIONS: readonly CallResolution[] = ['resolved', 'follow_up', 'transferred'];
export const CHAT_CHANNELS: readonly ChatChannel[] = ['web', 'app', 'whatsapp', 'messenger', 'sms'];
export const SALES_CHANNELS: readonly SalesChannel[] = ['web', 'app', 'store', 'phone', 'marketplace'];
export const SURVEY_KINDS: readonly SurveyKind[] = ['nps', 'csat'];

abstract class CustomerInteractionDto extends CommandDto {
  @ApiProperty({ example: 'c-1001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
}

export class LogCallDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'pbx-552817', description: 'The telephony system\'s call id (a retry with the same id is answered as the original).' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) callId!: string;
  @ApiProperty({ enum: CALL_DIRECTIONS }) @IsIn(CALL_DIRECTIONS) direction!: CallDirection;
  @ApiProperty({ example: 312 }) @IsInt() @Min(0) @Max(86_400) durationSeconds!: number;
  @ApiPropertyOptional({ enum: CALL_CONNECTIONS, description: 'Whether the call reached the customer. Give it (with `resolution` when answered), or the older `outcome`.' })
  @IsOptional() @IsIn(CALL_CONNECTIONS) connection?: CallConnection;
  @ApiPropertyOptional({ enum: CALL_RESOLUTIONS, nullable: true, description: 'What became of the matter: required when `connection` is `answered`, absent or null otherwise.' })
  @IsOptional() @IsIn(CALL_RESOLUTIONS) resolution?: CallResolution | null;
  @ApiPropertyOptional({ enum: CALL_OUTCOMES_V1, deprecated: true, description: 'Before schema v2: one word for both questions; read as connection + resolution (resolved, follow_up, transferred: answered; no_answer, voicemail: not answered).' })
  @IsOptional() @IsIn(CALL_OUTCOMES_V1) outcome?: CallOutcomeV1;
  @ApiPropertyOptional({ example: 'agent-7' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) agentId?: string;
  @ApiPropertyOptional({ example: 'Asked about delivery date' }) @IsOptional() @IsString() @MaxLength(2000) summary?: string;
}

export class SendEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-20261120-0001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
  @ApiProperty({ example: 'Your order has shipped' }) @IsString() @IsNotEmpty() @MaxLength(500) subject!: string;
  @ApiPropertyOptional({ example: 'winter-sale' }) @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) campaignId?: string;
}

export class ReceiveEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-in-8812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
  @ApiProperty({ example: 'Where is my parcel?' }) @IsString() @IsNotEmpty() @MaxLength(500) subject!: string;
}

export class OpenEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-20261120-0001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
}

export class ClickEmailDto extends OpenEmailDto {
  @ApiProperty({ example: 'https://shop.example.com/track' }) @IsUrl({ require_protocol: true, require_tld: false }) @MaxLength(2000) url!: string;
}

export class CompleteChatDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'chat-7781' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) chatId!: string;
  @ApiProperty({ enum: CHAT_CHANNELS }) @IsIn(CHAT_CHANNELS) channel!: ChatChannel;
  @ApiProperty({ example: 14 }) @IsInt() @Min(1) @Max(100_000) messageCount!: number;
  @ApiProperty({ example: 540 }) @IsInt() @Min(0) @Max(604_800) durationSeconds!: number;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) agentId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) summary?: string;
}

export class OrderLineDto {
  @ApiProperty({ example: 'SKU-1234' }) @IsString() @IsNotEmpty() @MaxLength(100) sku!: string;
  @ApiProperty({ example: 'Merino scarf' }) @IsString() @IsNotEmpty() @MaxLength(300) name!: string;
  @ApiProperty({ example: 'accessories' }) @IsString() @IsNotEmpty() @MaxLength(100) category!: string;
  @ApiProperty({ example: 2 }) @IsInt() @Min(1) @Max(100_000) quantity!: number;
  @ApiProperty({ example: 2995, description: 'Price per unit in minor units (cents)' }) @IsInt() @Min(0) @Max(MAX_MINOR) unitPriceMinor!: number;
}

export class CompletePurchaseDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'o-99812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @ApiProperty({ enum: SALES_CHANNELS }) @IsIn(SALES_CHANNELS) channel!: SalesChannel;
  @ApiProperty({ example: 'EUR' }) @Transform(upper) @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code like EUR' }) currency!: string;
  @ApiProperty({ type: [OrderLineDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => OrderLineDto) lines!: OrderLineDto[];
}

export class RefundPurchaseDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'o-99812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @ApiProperty({ example: 'r-1' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) refundId!: string;
  @ApiProperty({ example: 2995 }) @IsInt() @Min(1) @Max(MAX_MINOR) amountMinor!: number;
  @ApiProperty({ example: 'EUR' }) @Transform(upper) @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code like EUR' }) currency!: string;
  @ApiPropertyOptional({ example: 'damaged' }) @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class AnswerSurveyDto extends CustomerInteractionDto {
  @ApiProperty({ example: 's-5512' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) surveyId!: string;
  @ApiProperty({ enum: SURVEY_KINDS }) @IsIn(SURVEY_KINDS) kind!: SurveyKind;
  @ApiProperty({ example: 9, description: 'NPS 0–10, CSAT 1–5' }) @IsInt() @Min(0) @Max(10) score!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) comment?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) ticketId?: string;
}

export class AddNoteDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'n-1' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) noteId!: string;
  @ApiProperty({ example: 'Prefers calls after 5pm' }) @IsString() @IsNotEmpty() @MaxLength(5000) text!: string;
  @ApiProperty({ example: 'agent-7' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) authorId!: string;
}

export const INTERACTION_KINDS = [
  'call', 'email-sent', 'email-received', 'email-opened', 'email-clicked', 'chat', 'purchase', 'refund', 'survey', 'note',
] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

export class BatchItemDto {
  @ApiProperty({ enum: INTERACTION_KINDS, description: 'Which interaction; the other fields are those of that kind\'s endpoint.' })
  @IsIn(INTERACTION_KINDS) type!: InteractionKind;
  [field: string]: unknown;
}

export class BatchDto {
  @ApiProperty({ type: [BatchItemDto], description: 'Up to MAX_BATCH_SIZE items; each is validated and recorded on its own.' })
  @IsArray() @ArrayMinSize(1) items!: Record<string, unknown>[];
}
