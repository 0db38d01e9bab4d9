// HTTP routes of the privacy capability: forgetting a customer (admin) and the subject access
// export (admin, auditor). Validates and dispatches.
import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query as QueryParam, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Min, MaxLength } from 'class-validator';
import type { Clock } from '@app/event-sourcing';
import { AccessLogged, AcceptsIdempotencyKey, ApiAnswer, ApiRefusals, CLOCK, consistencyHeader, Ctx, IdParam, NotBlank, QueryInteger, Roles, SingleLineText, type RequestContext } from '@app/platform';
import { Erasures, type ForgetOutcome } from '../erasure/erasures';
import { ExportCustomer, type CustomerExport } from '../export/customer-export';

export class ForgetCustomerDto {
  @ApiProperty({ example: 'GDPR art. 17 request, ticket DPO-2026-114', description: 'Why. Kept in clear as evidence of the erasure: name no personal data here.' })
  @IsString() @SingleLineText() @NotBlank() @MaxLength(500) reason!: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded by READ_WAIT_TIMEOUT_MS) until the read models include this global position.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}

/** A slot for Erasures, so the controller is served only where commands run. */
export const ERASURES = Symbol('Erasures');

@ApiTags('privacy')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'customers', version: '1' })
export class ForgetController {
  constructor(
    @Inject(ERASURES) private readonly erasures: Erasures,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':customerId/forget')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Forget a customer (right to erasure): destroys their data key, records CustomerForgotten, scrubs every read model. Idempotent.',
  })
  @ApiAnswer(200, 'ForgetOutcome', 'Forgotten (now or by an earlier request)')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  forget(@IdParam('customerId') customerId: string, @Body() body: ForgetCustomerDto, @Ctx() ctx: RequestContext): Promise<ForgetOutcome> {
    return this.erasures.forget(customerId, body.reason, { ...ctx, occurredAt: this.clock.now().toISOString() });
  }
}

@ApiTags('privacy')
@ApiBearerAuth()
@Controller({ path: 'customers', version: '1' })
export class ExportController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/export')
  @AccessLogged('export')
  @Roles('auditor')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Subject access: everything Chronicle holds about the customer as one JSON document, decrypted' })
  @ApiAnswer(200, 'CustomerExport')
  @ApiRefusals({ 404: 'The customer is not registered.' })
  async export(@IdParam('customerId') customerId: string, @QueryParam() query: ExportQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<CustomerExport> {
    const exported = await this.queryBus.execute(new ExportCustomer(customerId, query.minPosition));
    consistencyHeader(reply, exported);
    return exported;
  }
}
