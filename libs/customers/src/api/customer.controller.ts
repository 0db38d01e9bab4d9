// HTTP commands on customers. Validates and dispatches; the rules live in the decider.
import { Body, Controller, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@app/event-sourcing';
import { AcceptsIdempotencyKey, businessTime, CLOCK, CommandOutcomeDto, Ctx, idFromIdempotencyKey, IdParam, RequestValidationError, Roles, type RequestContext } from '@app/platform';
import { AddContactPointDto, birthDateProblem, ConsentDto, RegisterCustomerDto, UpdateProfileDto } from './customer.dtos';

function checkBirthDate(birthDate: string | null | undefined, field: string, now: Date): void {
  const problem = birthDateProblem(birthDate, now);
  if (problem !== null) throw new RequestValidationError([{ field, message: problem }]);
}
import { ExecuteCustomerCommand } from './customer.command-handler';

@ApiTags('customers')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'customers', version: '1' })
export class CustomerController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Register a customer' })
  @ApiResponse({ status: 201, type: CommandOutcomeDto })
  async register(@Body() body: RegisterCustomerDto, @Ctx() ctx: RequestContext): Promise<CommandOutcomeDto & { customerId: string }> {
    checkBirthDate(body.profile.birthDate, 'profile.birthDate', this.clock.now());
    // Without an id, one derived from the Idempotency-Key keeps a retried registration idempotent.
    const customerId = body.customerId ?? idFromIdempotencyKey(ctx, 'customer-id') ?? randomUUID();
    const outcome = await this.commandBus.execute(
      new ExecuteCustomerCommand(
        { type: 'RegisterCustomer', customerId, profile: { ...body.profile }, ...(body.externalId !== undefined ? { externalId: body.externalId } : {}) },
        { ...ctx, occurredAt: businessTime(body.occurredAt, this.clock.now()) },
      ),
    );
    return { customerId, ...outcome, eventIds: [...outcome.eventIds] };
  }

  @Patch(':customerId')
  @HttpCode(200)
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Change profile fields (only the fields given)' })
  @ApiResponse({ status: 200, type: CommandOutcomeDto })
  async updateProfile(@IdParam('customerId') customerId: string, @Body() body: UpdateProfileDto, @Ctx() ctx: RequestContext) {
    checkBirthDate(body.changes.birthDate, 'changes.birthDate', this.clock.now());
    return this.commandBus.execute(
      new ExecuteCustomerCommand({ type: 'UpdateCustomerProfile', customerId, changes: { ...body.changes } }, { ...ctx, occurredAt: businessTime(body.occurredAt, this.clock.now()) }),
    );
  }

  @Post(':customerId/contact-points')
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Add an email, phone or address' })
  @ApiResponse({ status: 201, type: CommandOutcomeDto })
  async addContactPoint(@IdParam('customerId') customerId: string, @Body() body: AddContactPointDto, @Ctx() ctx: RequestContext) {
    const value = body.kind === 'email' ? body.value.toLowerCase() : body.value;
    return this.commandBus.execute(
      new ExecuteCustomerCommand(
        { type: 'AddContactPoint', customerId, kind: body.kind, value, ...(body.label !== undefined ? { label: body.label } : {}) },
        { ...ctx, occurredAt: businessTime(body.occurredAt, this.clock.now()) },
      ),
    );
  }

  @Post(':customerId/consents')
  @HttpCode(200)
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Give or withdraw a consent' })
  @ApiResponse({ status: 200, type: CommandOutcomeDto })
  async consent(@IdParam('customerId') customerId: string, @Body() body: ConsentDto, @Ctx() ctx: RequestContext) {
    return this.commandBus.execute(
      new ExecuteCustomerCommand(
        { type: body.granted ? 'GiveConsent' : 'WithdrawConsent', customerId, purpose: body.purpose, via: body.via },
        { ...ctx, occurredAt: businessTime(body.occurredAt, this.clock.now()) },
      ),
    );
  }
}
