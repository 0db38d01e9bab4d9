// HTTP API of loyalty: the account and its history for consoles and services, redemptions, and
// admin corrections.
import { Body, Controller, Get, Header, Inject, Post, Query as QueryParam, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Clock } from '@app/event-sourcing';
import { AccessLogged, AcceptsIdempotencyKey, ApiAnswer, ApiRefusals, businessTime, CLOCK, consistencyHeader, Ctx, IdParam, Roles, type CommandOutcome, type RequestContext } from '@app/platform';
import { AdjustPointsDto, LoyaltyAccountQueryDto, LoyaltyHistoryQueryDto, RedeemPointsDto } from './loyalty.dtos';
import { ExecuteLoyaltyCommand } from './loyalty.command-handler';
import { GetLoyaltyAccount, GetLoyaltyHistory } from './loyalty.queries';


@ApiTags('loyalty')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'customers/:customerId/loyalty', version: '1' })
export class LoyaltyCommandController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('redemptions')
  @Roles('support', 'ingest')
  @ApiOperation({ summary: 'Redeem points; refused (422, field points) when the balance does not cover them' })
  @ApiAnswer(201, 'CommandOutcome')
  @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The redemptionId is recorded with other points.', 422: 'The balance does not cover the points.' })
  redeem(@IdParam('customerId') customerId: string, @Body() body: RedeemPointsDto, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    const at = businessTime(body.occurredAt, this.clock.now());
    return this.commandBus.execute(new ExecuteLoyaltyCommand({ type: 'Redeem', customerId, redemptionId: body.redemptionId, points: body.points, reason: body.reason, at }, { ...ctx, occurredAt: at }));
  }

  @Post('adjustments')
  @Roles('admin')
  @ApiOperation({ summary: 'Correct the balance (admin only): signed points with a reason' })
  @ApiAnswer(201, 'CommandOutcome')
  @ApiRefusals({ 404: 'The customer is not registered.', 409: 'The adjustmentId is recorded with other points.', 422: 'The balance would go beyond 2^53 points.' })
  adjust(@IdParam('customerId') customerId: string, @Body() body: AdjustPointsDto, @Ctx() ctx: RequestContext): Promise<CommandOutcome> {
    const at = businessTime(body.occurredAt, this.clock.now());
    return this.commandBus.execute(new ExecuteLoyaltyCommand({ type: 'Adjust', customerId, adjustmentId: body.adjustmentId, points: body.points, reason: body.reason, at }, { ...ctx, occurredAt: at }));
  }
}

@ApiTags('loyalty')
@ApiBearerAuth()
@Controller({ path: 'customers/:customerId/loyalty', version: '1' })
export class LoyaltyQueryController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @AccessLogged('loyalty')
  @Roles('support', 'ingest', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The loyalty account: balance, tier, totals, next expiry, rolling 12-month spend (404 when the customer has none)' })
  @ApiAnswer(200, 'LoyaltyAccountView')
  @ApiRefusals({ 404: 'The customer is not registered, or has no loyalty account yet.' })
  async account(@IdParam('customerId') customerId: string, @QueryParam() query: LoyaltyAccountQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetLoyaltyAccount(customerId, query.minPosition));
    consistencyHeader(reply, result);
    return result.view;
  }

  @Get('history')
  @AccessLogged('loyalty-history')
  // Like the account: the shop (an ingest key) shows its customer the points history.
  @Roles('support', 'ingest', 'analyst', 'auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Every loyalty event of the account, newest first, paged with a cursor' })
  @ApiAnswer(200, 'LoyaltyHistoryPage')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async history(@IdParam('customerId') customerId: string, @QueryParam() query: LoyaltyHistoryQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(
      new GetLoyaltyHistory(customerId, { limit: query.limit ?? 50, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}), ...(query.minPosition !== undefined ? { minPosition: query.minPosition } : {}) }),
    );
    consistencyHeader(reply, result);
    return { items: result.items, nextCursor: result.nextCursor };
  }
}
