// The types the HTTP API answers with, and the structured inputs class-validator does not describe
// (the segment rule), under the names the OpenAPI document gives them. `npm run docs:api` turns every
// type exported here into a schema of the document (api-type-schemas.generated.ts, with the doc
// comments as descriptions); a test (test/e2e/openapi-document.e2e-spec.ts) fails when that file is not current. A route names its
// answer with @ApiAnswer(status, 'TypeName').
import type { BatchAnswer, CommandOutcome } from '@app/platform';
import type { RegistrationOutcome } from '@app/customers';
import type { Customer360View } from '@app/customer-view';
import type { Customer360Extras } from '../chronicle.module';

export type { AgentList, CommandOutcome, FieldProblem, Identity, Problem } from '@app/platform';
export type { RegistrationOutcome } from '@app/customers';
export type { CustomerSearchResult, TimelinePage } from '@app/customer-view';
export type { TicketDetail, TicketList, TicketQueuePage, TicketView } from '@app/tickets';
export type { LoyaltyAccountView, LoyaltyHistoryPage } from '@app/loyalty';
export type { AnalyticsModelReport, CustomerAnalyticsView, KpiReport, RfmDistributionReport, ServiceReport } from '@app/analytics';
export type { AccessLogPage, AuditEnvelope, AuditLogPage, AuditStreamPage } from '@app/audit';
export type { CustomerExport, ForgetOutcome } from '@app/privacy';
export type { CustomerSegmentsView, SegmentDefinedOutcome, SegmentList, SegmentMembersPage, SegmentPreview, SegmentRule, SegmentView } from '@app/segments';

/** What POST /v1/interactions/batch answers: one result per item, in order. */
export interface InteractionBatchAnswer extends BatchAnswer<CommandOutcome> {}

/** What POST /v1/customers/batch answers: one result per item, in order. */
export interface CustomerBatchAnswer extends BatchAnswer<RegistrationOutcome> {}

/** The 360° view of a customer with what loyalty, segments and analytics add to it. */
export type Customer360Answer = Customer360View & Customer360Extras;

/** GET /health/live. */
export interface Liveness {
  readonly status: 'ok';
}
