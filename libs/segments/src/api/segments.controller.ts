// HTTP API of segments: analysts define, change and archive segments and preview rules; consoles
// and services read definitions, members and a customer's segments.
import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Post, Put, Query as QueryParam, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { newEventId, type Clock } from '@app/event-sourcing';
import { AccessLogged, AcceptsIdempotencyKey, ApiAnswer, ApiRefusals, CLOCK, consistencyHeader, Ctx, idFromIdempotencyKey, IdParam, Roles, type CommandOutcome, type RequestContext } from '@app/platform';
import { ChangeSegmentRuleDto, checkedRule, DefineSegmentDto, ListSegmentsQueryDto, PreviewSegmentDto, SegmentMembersQueryDto, SegmentQueryDto } from './segments.dtos';
import { ExecuteSegmentCommand } from './segments.command-handler';
import { GetCustomerSegments, GetSegment, GetSegmentMembers, ListSegments, PreviewSegment, type SegmentList, type SegmentMembersPage } from './segments.queries';
import type { SegmentPreview } from '../evaluation/segment-evaluator';
import type { RuleVocabulary } from '../domain/segment-rule';
import { SEGMENT_RULE_VOCABULARY } from './segments-tokens';

/** What defining a segment answers: the command outcome and the segment's id (generated when none was given). */
export type SegmentDefinedOutcome = CommandOutcome & { readonly segmentId: string };

@ApiTags('segments')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'segments', version: '1' })
export class SegmentCommandController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SEGMENT_RULE_VOCABULARY) private readonly vocabulary: RuleVocabulary,
  ) {}

  @Post()
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Define a segment; 400 names each bad rule node (`rule.all[1].purchases.withinDays`)' })
  @ApiAnswer(201, 'SegmentDefinedOutcome')
  @ApiRefusals({ 409: 'The segmentId is defined with other data.' })
  async define(@Body() body: DefineSegmentDto, @Ctx() ctx: RequestContext): Promise<SegmentDefinedOutcome> {
    const rule = checkedRule(body.rule, this.vocabulary);
    const segmentId = body.segmentId ?? idFromIdempotencyKey(ctx, 'segment-id') ?? newEventId();
    const outcome = await this.commandBus.execute(
      new ExecuteSegmentCommand(
        { type: 'DefineSegment', segmentId, name: body.name, description: body.description ?? '', rule, ...(body.purpose !== undefined ? { purpose: body.purpose } : {}) },
        { ...ctx, occurredAt: this.clock.now().toISOString() },
      ),
    );
    return { ...outcome, segmentId };
  }

  @Put(':segmentId/rule')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Replace the rule; members are re-evaluated in the background' })
  @ApiAnswer(200, 'CommandOutcome')
  @ApiRefusals({ 404: 'No segment with this id.', 409: 'The segment is archived.' })
  changeRule(@IdParam('segmentId') segmentId: string, @Body() body: ChangeSegmentRuleDto, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    const rule = checkedRule(body.rule, this.vocabulary);
    return this.commandBus.execute(new ExecuteSegmentCommand({ type: 'ChangeSegmentRule', segmentId, rule }, { ...ctx, occurredAt: this.clock.now().toISOString() }));
  }

  @Delete(':segmentId')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Archive the segment; every member leaves it in the background' })
  @ApiAnswer(200, 'CommandOutcome')
  @ApiRefusals({ 404: 'No segment with this id.' })
  archive(@IdParam('segmentId') segmentId: string, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    return this.commandBus.execute(new ExecuteSegmentCommand({ type: 'ArchiveSegment', segmentId }, { ...ctx, occurredAt: this.clock.now().toISOString() }));
  }
}

@ApiTags('segments')
@ApiBearerAuth()
@Controller({ version: '1' })
export class SegmentQueryController {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(SEGMENT_RULE_VOCABULARY) private readonly vocabulary: RuleVocabulary,
  ) {}

  @Get('segments')
  @Roles('analyst', 'support', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Segment definitions with member counts' })
  @ApiAnswer(200, 'SegmentList')
  async list(@QueryParam() query: ListSegmentsQueryDto): Promise<SegmentList> {
    return { items: await this.queryBus.execute(new ListSegments(query.status)) };
  }

  @Post('segments/preview')
  @AccessLogged<SegmentPreview>('segment-preview', (preview) => preview.sample)
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'How many customers a rule selects now, with a sample; nothing is saved' })
  @ApiAnswer(200, 'SegmentPreview')
  preview(@Body() body: PreviewSegmentDto) {
    return this.queryBus.execute(new PreviewSegment(checkedRule(body.rule, this.vocabulary), body.sampleSize ?? 20, body.purpose ?? null));
  }

  @Get('segments/:segmentId')
  @Roles('analyst', 'support', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One segment definition with its member count (404 when unknown)' })
  @ApiAnswer(200, 'SegmentView')
  @ApiRefusals({ 404: 'No segment with this id.' })
  async get(@IdParam('segmentId') segmentId: string, @QueryParam() query: SegmentQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetSegment(segmentId, query.minPosition));
    consistencyHeader(reply, result);
    return result.view;
  }

  @Get('segments/:segmentId/members')
  @AccessLogged<SegmentMembersPage>('segment-members', (page) => page.items.map((member) => member.customerId))
  // Every read of segments is open to support too (README, Roles): agents see who a campaign targets.
  @Roles('analyst', 'support', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Members by customer id, paged with a cursor; complete once the segment\'s evaluation is done (pass its evaluation.position as minPosition)' })
  @ApiAnswer(200, 'SegmentMembersPage')
  @ApiRefusals({ 404: 'No segment with this id.' })
  async members(@IdParam('segmentId') segmentId: string, @QueryParam() query: SegmentMembersQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SegmentMembersPage> {
    const result = await this.queryBus.execute(new GetSegmentMembers(segmentId, query.limit ?? 100, query.cursor, query.minPosition));
    consistencyHeader(reply, result);
    return result.page;
  }

  @Get('customers/:customerId/segments')
  @AccessLogged('customer-segments')
  @Roles('support', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The segments a customer is in now (404 for an unknown customer)' })
  @ApiAnswer(200, 'CustomerSegmentsView')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async customerSegments(@IdParam('customerId') customerId: string, @QueryParam() query: SegmentQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetCustomerSegments(customerId, query.minPosition));
    consistencyHeader(reply, result);
    return result.view;
  }
}
