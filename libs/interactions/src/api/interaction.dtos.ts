// HTTP contracts of the interaction commands, one DTO per kind; the batch endpoint takes each as an item (INTERACTION_BATCH_ITEMS).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsString, IsUrl, Matches, Max, MaxLength, Min, registerDecorator, ValidateNested, type ValidationArguments,
} from 'class-validator';
import { BatchItemKinds, BatchItemsOf, CommandDto, ID_MESSAGE, ID_PATTERN, MultiLineText, NotBlank, Optional, SingleLineText } from '@app/platform';
import { IsCurrencyCode } from '@app/money/validation/is-currency-code';
import { MAX_ORDER_TOTAL_MINOR } from '../domain/order.decider';
import { SURVEY_SCALES } from '../domain/survey.decider';
import type { CallConnection, CallDirection, CallResolution, ChatChannel, SalesChannel, SurveyKind } from '../domain/interaction.events';
import { CALL_OUTCOMES_V1, type CallOutcomeV1 } from '../domain/interaction.schemas';

// A billion in major units of a 2-digit currency: more is a data error. Bounding every amount (and
// an order's total) by it keeps every sum a read model keeps exact for 90,000 such amounts (2^53 / 10^11).
const MAX_MINOR = MAX_ORDER_TOTAL_MINOR;
const CURRENCY_DESCRIPTION = 'Upper-case active ISO 4217 code with a minor unit (EUR, USD, JPY, BHD...); amounts are integers of its minor unit (cents for EUR, yen for JPY, fils (1/1000) for BHD)';

export const CALL_DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound'];
export const CALL_CONNECTIONS: readonly CallConnection[] = ['answered', 'busy', 'no_answer', 'voicemail'];
export const CALL_RESOLUTIONS: readonly CallResolution[] = ['resolved', 'follow_up', 'transferred'];
export const CHAT_CHANNELS: readonly ChatChannel[] = ['web', 'app', 'whatsapp', 'messenger', 'sms'];
export const SALES_CHANNELS: readonly SalesChannel[] = ['web', 'app', 'store', 'phone', 'marketplace'];
export const SURVEY_KINDS: readonly SurveyKind[] = ['nps', 'csat'];

/** The whole order within MAX_ORDER_TOTAL_MINOR: each line may be within its own bounds and the sum not. */
function OrderTotalWithinBound() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'orderTotalWithinBound',
      target: target.constructor,
      propertyName,
      validator: {
        validate(lines: unknown) {
          if (!Array.isArray(lines)) return true;
          let total = 0;
          for (const line of lines as { quantity?: unknown; unitPriceMinor?: unknown }[]) {
            // Lines with bad fields are named by their own rules.
            if (typeof line?.quantity !== 'number' || typeof line.unitPriceMinor !== 'number') return true;
            total += line.quantity * line.unitPriceMinor;
          }
          return total <= MAX_ORDER_TOTAL_MINOR;
        },
        defaultMessage: () => `lines: the order total (sum of quantity × unitPriceMinor) must be at most ${MAX_ORDER_TOTAL_MINOR} minor units`,
      },
    });
}

/** NPS is 0–10, CSAT 1–5: a range of the field given the kind, so a 400 like any other range. */
function ScoreOnItsScale() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'scoreOnItsScale',
      target: target.constructor,
      propertyName,
      validator: {
        validate(score: unknown, args: ValidationArguments) {
          const kind = (args.object as { kind?: unknown }).kind;
          if (typeof score !== 'number' || typeof kind !== 'string' || !Object.hasOwn(SURVEY_SCALES, kind)) return true;
          const { min, max } = SURVEY_SCALES[kind as SurveyKind];
          return score >= min && score <= max;
        },
        defaultMessage(args?: ValidationArguments) {
          const kind = String((args?.object as { kind?: unknown })?.kind);
          const scale = SURVEY_SCALES[kind as SurveyKind];
          return `score must be from ${scale?.min} to ${scale?.max} for ${kind.toUpperCase()}`;
        },
      },
    });
}

abstract class CustomerInteractionDto extends CommandDto {
  @ApiProperty({ example: 'c-1001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) customerId!: string;
}

export class LogCallDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'pbx-552817', description: 'The telephony system\'s call id (a retry with the same id is answered as the original).' })
  @Matches(ID_PATTERN, { message: ID_MESSAGE }) callId!: string;
  @ApiProperty({ enum: CALL_DIRECTIONS }) @IsIn(CALL_DIRECTIONS) direction!: CallDirection;
  @ApiProperty({ example: 312 }) @IsInt() @Min(0) @Max(86_400) durationSeconds!: number;
  @ApiPropertyOptional({ enum: CALL_CONNECTIONS, description: 'Whether the call reached the customer. Give it (with `resolution` when answered), or the older `outcome`.' })
  @Optional() @IsIn(CALL_CONNECTIONS) connection?: CallConnection;
  @ApiPropertyOptional({ enum: CALL_RESOLUTIONS, description: 'What became of the matter: required when `connection` is `answered`, left out otherwise.' })
  @Optional() @IsIn(CALL_RESOLUTIONS) resolution?: CallResolution;
  @ApiPropertyOptional({ enum: CALL_OUTCOMES_V1, deprecated: true, description: 'Before schema v2: one word for both questions; read as connection + resolution (resolved, follow_up, transferred: answered; no_answer, voicemail: not answered).' })
  @Optional() @IsIn(CALL_OUTCOMES_V1) outcome?: CallOutcomeV1;
  @ApiPropertyOptional({ example: 'agent-7' }) @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) agentId?: string;
  @ApiPropertyOptional({ example: 'Asked about delivery date' }) @Optional() @IsString() @MaxLength(2000) @MultiLineText() summary?: string;
}

export class SendEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-20261120-0001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
  @ApiProperty({ example: 'Your order has shipped' }) @IsString() @NotBlank() @MaxLength(500) @SingleLineText() subject!: string;
  @ApiPropertyOptional({ example: 'winter-sale' }) @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) campaignId?: string;
}

export class ReceiveEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-in-8812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
  @ApiProperty({ example: 'Where is my parcel?' }) @IsString() @NotBlank() @MaxLength(500) @SingleLineText() subject!: string;
}

export class OpenEmailDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'msg-20261120-0001' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) messageId!: string;
}

export class ClickEmailDto extends OpenEmailDto {
  @ApiProperty({ example: 'https://shop.example.com/track' }) @IsUrl({ require_protocol: true, require_tld: false }) @MaxLength(2000) @SingleLineText() url!: string;
}

export class CompleteChatDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'chat-7781' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) chatId!: string;
  @ApiProperty({ enum: CHAT_CHANNELS }) @IsIn(CHAT_CHANNELS) channel!: ChatChannel;
  @ApiProperty({ example: 14 }) @IsInt() @Min(1) @Max(100_000) messageCount!: number;
  @ApiProperty({ example: 540 }) @IsInt() @Min(0) @Max(604_800) durationSeconds!: number;
  @ApiPropertyOptional() @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) agentId?: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(2000) @MultiLineText() summary?: string;
}

export class OrderLineDto {
  @ApiProperty({ example: 'SKU-1234' }) @IsString() @NotBlank() @MaxLength(100) @SingleLineText() sku!: string;
  @ApiProperty({ example: 'Merino scarf' }) @IsString() @NotBlank() @MaxLength(300) @SingleLineText() name!: string;
  @ApiProperty({ example: 'accessories' }) @IsString() @NotBlank() @MaxLength(100) @SingleLineText() category!: string;
  @ApiProperty({ example: 2 }) @IsInt() @Min(1) @Max(100_000) quantity!: number;
  @ApiProperty({ example: 2995, description: 'Price per unit in minor units of the purchase\'s currency (its ISO 4217 exponent: cents for EUR, yen for JPY)' }) @IsInt() @Min(0) @Max(MAX_MINOR) unitPriceMinor!: number;
}

export class CompletePurchaseDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'o-99812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @ApiProperty({ enum: SALES_CHANNELS }) @IsIn(SALES_CHANNELS) channel!: SalesChannel;
  @ApiProperty({ example: 'EUR', description: CURRENCY_DESCRIPTION }) @IsCurrencyCode() currency!: string;
  @ApiProperty({ type: [OrderLineDto], description: `The order total (sum of quantity × unitPriceMinor) is at most ${MAX_ORDER_TOTAL_MINOR} minor units.` })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => OrderLineDto) @OrderTotalWithinBound() lines!: OrderLineDto[];
}

export class RefundPurchaseDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'o-99812' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) orderId!: string;
  @ApiProperty({ example: 'r-1' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) refundId!: string;
  @ApiProperty({ example: 2995, description: 'Minor units of the currency' }) @IsInt() @Min(1) @Max(MAX_MINOR) amountMinor!: number;
  @ApiProperty({ example: 'EUR', description: `The purchase's own currency (a refund in another is refused). ${CURRENCY_DESCRIPTION}` }) @IsCurrencyCode() currency!: string;
  @ApiPropertyOptional({ example: 'damaged' }) @Optional() @IsString() @NotBlank() @MaxLength(500) @SingleLineText() reason?: string;
}

export class AnswerSurveyDto extends CustomerInteractionDto {
  @ApiProperty({ example: 's-5512' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) surveyId!: string;
  @ApiProperty({ enum: SURVEY_KINDS }) @IsIn(SURVEY_KINDS) kind!: SurveyKind;
  // The scale's own rule names the range of the survey's kind; a generic 0–10 beside it said the same twice.
  @ApiProperty({ example: 9, minimum: 0, maximum: 10, description: 'NPS 0–10, CSAT 1–5' }) @IsInt() @ScoreOnItsScale() score!: number;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(2000) @MultiLineText() comment?: string;
  @ApiPropertyOptional() @Optional() @Matches(ID_PATTERN, { message: ID_MESSAGE }) ticketId?: string;
}

export class AddNoteDto extends CustomerInteractionDto {
  @ApiProperty({ example: 'n-1' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) noteId!: string;
  @ApiProperty({ example: 'Prefers calls after 5pm' }) @IsString() @NotBlank() @MaxLength(5000) @MultiLineText() text!: string;
  @ApiProperty({ example: 'agent-7' }) @Matches(ID_PATTERN, { message: ID_MESSAGE }) authorId!: string;
}

export const INTERACTION_KINDS = [
  'call', 'email-sent', 'email-received', 'email-opened', 'email-clicked', 'chat', 'purchase', 'refund', 'survey', 'note',
] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

/**
 * Each kind's DTO, the body of its own endpoint: a batch item is that body with `type` naming the
 * kind. The one table the batch validates its items by and the OpenAPI document describes them by.
 */
export const INTERACTION_BATCH_ITEMS = new BatchItemKinds<InteractionKind>('Batch', {
  call: LogCallDto,
  'email-sent': SendEmailDto,
  'email-received': ReceiveEmailDto,
  'email-opened': OpenEmailDto,
  'email-clicked': ClickEmailDto,
  chat: CompleteChatDto,
  purchase: CompletePurchaseDto,
  refund: RefundPurchaseDto,
  survey: AnswerSurveyDto,
  note: AddNoteDto,
});

export class BatchDto {
  @BatchItemsOf(INTERACTION_BATCH_ITEMS, 'Up to MAX_BATCH_SIZE items, each the body of its kind\'s own endpoint with `type` naming the kind; each is validated and recorded on its own.')
  @IsArray() @ArrayMinSize(1) items!: unknown[];
}
