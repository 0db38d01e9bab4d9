// HTTP API of segments: analysts define, change and archive segments and preview rules; consoles
// and services read definitions, members and a customer's segments.
import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Post, Put, Query as QueryParam, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { newEventId, type Clock } from '@app/event-sourcing';
import { AcceptsIdempotencyKey, CLOCK, CommandOutcomeDto, Ctx, idFromIdempotencyKey, IdParam, Roles, type CommandOutcome, type RequestContext } from '@app/platform';
import { ChangeSegmentRuleDto, checkedRule, DefineSegmentDto, ListSegmentsQueryDto, PreviewSegmentDto, SegmentMembersQueryDto, SegmentQueryDto } from './segments.dtos';
import { ExecuteSegmentCommand } from './segments.command-handler';
import { GetCustomerSegments, GetSegment, GetSegmentMembers, ListSegments, PreviewSegment } from './segments.queries';

@ApiTags('segments')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'segments', version: '1' })
export class SegmentCommandController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Define a segment; 400 names each bad rule node (`rule.all[1].purchases.withinDays`)' })
  @ApiResponse({ status: 201, type: CommandOutcomeDto })
  async define(@Body() body: DefineSegmentDto, @Ctx() ctx: RequestContext): Promise<CommandOutcome & { segmentId: string }> {
    const rule = checkedRule(body.rule);
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
  @ApiResponse({ status: 200, type: CommandOutcomeDto })
  changeRule(@IdParam('segmentId') segmentId: string, @Body() body: ChangeSegmentRuleDto, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    const rule = checkedRule(body.rule);
    return this.commandBus.execute(new ExecuteSegmentCommand({ type: 'ChangeSegmentRule', segmentId, rule }, { ...ctx, occurredAt: this.clock.now().toISOString() }));
  }

  @Delete(':segmentId')
  @Roles('analyst', 'admin')
  @ApiOperation({ summary: 'Archive the segment; every member leaves it in the background' })
  @ApiResponse({ status: 200, type: CommandOutcomeDto })
  archive(@IdParam('segmentId') segmentId: string, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    return this.commandBus.execute(new ExecuteSegmentCommand({ type: 'ArchiveSegment', segmentId }, { ...ctx, occurredAt: this.clock.now().toISOString() }));
  }
}

@ApiTags('segments')
@ApiBearerAuth()
@Controller({ version: '1' })
export class SegmentQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('segments')
  @Roles('analyst', 'support', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Segment definitions with member counts' })
  async list(@QueryParam() query: ListSegmentsQueryDto) {
    return { items: await this.queryBus.execute(new ListSegments(query.status)) };
  }

  @Post('segments/preview')
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'How many customers a rule selects now, with a sample; nothing is saved' })
  preview(@Body() body: PreviewSegmentDto) {
    return this.queryBus.execute(new PreviewSegment(checkedRule(body.rule), body.sampleSize ?? 20, body.purpose ?? null));
  }

  @Get('segments/:segmentId')
  @Roles('analyst', 'support', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One segment definition with its member count (404 when unknown)' })
  async get(@IdParam('segmentId') segmentId: string, @QueryParam() query: SegmentQueryDto, @Res({ passthrough: true }) response: Response) {
    const result = await this.queryBus.execute(new GetSegment(segmentId, query.minPosition));
    response.setHeader('X-Chronicle-Consistent', String(result.consistent));
    return result.view;
  }

  @Get('segments/:segmentId/members')
  @Roles('analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Members by customer id, paged with a cursor' })
  members(@IdParam('segmentId') segmentId: string, @QueryParam() query: SegmentMembersQueryDto) {
    return this.queryBus.execute(new GetSegmentMembers(segmentId, query.limit ?? 100, query.cursor));
  }

  @Get('customers/:customerId/segments')
  @Roles('support', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The segments a customer is in now (404 for an unknown customer)' })
  customerSegments(@IdParam('customerId') customerId: string, @QueryParam() query: SegmentQueryDto) {
    return this.queryBus.execute(new GetCustomerSegments(customerId, query.minPosition));
  }
}
