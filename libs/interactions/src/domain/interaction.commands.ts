// Commands recording interactions. Each names its customer; the handler checks the customer exists.
import type { CallConnection, CallDirection, CallResolution, ChatChannel, OrderLine, SalesChannel, SurveyKind } from './interaction.events';

export type LogCall = { readonly type: 'LogCall'; readonly customerId: string; readonly callId: string; readonly direction: CallDirection; readonly durationSeconds: number; readonly connection: CallConnection; readonly resolution: CallResolution | null; readonly agentId?: string; readonly summary?: string };
export type SendEmail = { readonly type: 'SendEmail'; readonly customerId: string; readonly messageId: string; readonly subject: string; readonly campaignId?: string };
export type ReceiveEmail = { readonly type: 'ReceiveEmail'; readonly customerId: string; readonly messageId: string; readonly subject: string };
export type OpenEmail = { readonly type: 'OpenEmail'; readonly customerId: string; readonly messageId: string };
export type ClickEmail = { readonly type: 'ClickEmail'; readonly customerId: string; readonly messageId: string; readonly url: string };
export type CompleteChat = { readonly type: 'CompleteChat'; readonly customerId: string; readonly chatId: string; readonly channel: ChatChannel; readonly messageCount: number; readonly durationSeconds: number; readonly agentId?: string; readonly summary?: string };
export type CompletePurchase = { readonly type: 'CompletePurchase'; readonly customerId: string; readonly orderId: string; readonly channel: SalesChannel; readonly currency: string; readonly lines: readonly OrderLine[] };
export type RefundPurchase = { readonly type: 'RefundPurchase'; readonly customerId: string; readonly orderId: string; readonly refundId: string; readonly amountMinor: number; readonly currency: string; readonly reason?: string };
export type AnswerSurvey = { readonly type: 'AnswerSurvey'; readonly customerId: string; readonly surveyId: string; readonly kind: SurveyKind; readonly score: number; readonly comment?: string; readonly ticketId?: string };
export type AddNote = { readonly type: 'AddNote'; readonly customerId: string; readonly noteId: string; readonly text: string; readonly authorId: string };

export type CallCommand = LogCall;
export type EmailCommand = SendEmail | ReceiveEmail | OpenEmail | ClickEmail;
export type ChatCommand = CompleteChat;
export type OrderCommand = CompletePurchase | RefundPurchase;
export type SurveyCommand = AnswerSurvey;
export type NoteCommand = AddNote;
export type InteractionCommand = CallCommand | EmailCommand | ChatCommand | OrderCommand | SurveyCommand | NoteCommand;
