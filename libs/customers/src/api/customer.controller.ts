// HTTP commands on customers. Validates and dispatches; the rules live in the decider.
import { Body, Controller, HttpCode, Inject, Optional, Param, Patch, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Clock } from '@app/event-sourcing';
import {
  AcceptsIdempotencyKey, ApiAnswer, ApiRefusals, CHRONICLE_CONFIG, commandTime, ChronicleConfig, CLOCK, Ctx, idFromIdempotencyKey, IdParam, RequestValidationError, Roles,
  validateBatchItem, BATCH_RUNNER, BatchRoutes, type BatchAnswer, type BatchOptions, type BatchRunner, type CommandOutcome, type RequestContext,
} from '@app/platform';
import { AddContactPointDto, birthDateProblem, ConsentDto, RegisterCustomerDto, RegisterCustomersBatchDto, UpdateProfileDto } from './customer.dtos';

function checkBirthDate(birthDate: string | null | undefined, field: string, now: Date): void {
  const problem = birthDateProblem(birthDate, now);
  if (problem !== null) throw new RequestValidationError([{ field, message: problem }]);
}
import { ExecuteCustomerCommand, ExecuteCustomerCommands } from './customer.command-handler';
import type { CustomerCommand } from '../domain/customer.commands';

/** What a registration answers: the command outcome and the customer's id (generated when none was given). */
export type RegistrationOutcome = CommandOutcome & { readonly customerId: string };

type RegisterCustomer = Extract<CustomerCommand, { type: 'RegisterCustomer' }>;

function registered(command: RegisterCustomer, outcome: CommandOutcome): RegistrationOutcome {
  return { customerId: command.customerId, ...outcome, eventIds: [...outcome.eventIds] };
}

@ApiTags('customers')
@ApiBearerAuth()
@AcceptsIdempotencyKey()
@Controller({ path: 'customers', version: '1' })
export class CustomerController {
  private readonly batches: BatchRunner;

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHRONICLE_CONFIG) private readonly config: ChronicleConfig,
    routes: BatchRoutes,
    @Optional() @Inject(BATCH_RUNNER) runner?: BatchRunner,
  ) {
    routes.register('customers', (now) => this.batchRoute(now));
    this.batches = runner ?? routes;
  }

  @Post()
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Register a customer' })
  @ApiAnswer(201, 'RegistrationOutcome')
  @ApiRefusals({ 409: 'The customerId is registered with other data, or another customer has the externalId.' })
  async register(@Body() body: RegisterCustomerDto, @Ctx() ctx: RequestContext): Promise<RegistrationOutcome> {
    checkBirthDate(body.profile.birthDate, 'profile.birthDate', this.clock.now());
    const command = this.registration(body, ctx);
    const outcome: CommandOutcome = await this.commandBus.execute(new ExecuteCustomerCommand(command, { ...ctx, ...commandTime(body.occurredAt, this.clock.now()) }));
    return registered(command, outcome);
  }

  @Post('batch')
  @HttpCode(200)
  @Roles('ingest')
  @ApiOperation({
    summary: 'Register up to MAX_BATCH_SIZE customers; each item is validated and recorded on its own',
    description:
      'Each item is the body of POST /v1/customers. Answers 200 with one result per item (status 201 with the registration\'s outcome and customerId, or the item\'s own 4xx problem), as POST /v1/interactions/batch does.',
  })
  @ApiAnswer(200, 'CustomerBatchAnswer', 'One result per item, in order')
  batch(@Body() body: RegisterCustomersBatchDto, @Ctx() ctx: RequestContext): Promise<BatchAnswer<RegistrationOutcome>> {
    return this.batches.run('customers', body.items, ctx, this.clock.now());
  }

  /** How a batch's registrations are validated and recorded (wherever the process runs its batches: BATCH_RUNNER). */
  private batchRoute(now: Date): BatchOptions<RegisterCustomer, RegistrationOutcome> {
    return {
      maxItems: this.config.MAX_BATCH_SIZE,
      prepare: async (raw, index, itemCtx) => {
        const dto = await validateBatchItem(RegisterCustomerDto, raw, `items[${index}]`);
        checkBirthDate(dto.profile.birthDate, `items[${index}].profile.birthDate`, now);
        return { ...commandTime(dto.occurredAt, now), prepared: this.registration(dto, itemCtx) };
      },
      execute: async (items) => {
        const settled: PromiseSettledResult<CommandOutcome>[] = await this.commandBus.execute(
          new ExecuteCustomerCommands(items.map(({ prepared, context }) => ({ command: prepared, context }))),
        );
        return settled.map((answer, at) => (answer.status === 'fulfilled' ? { status: 'fulfilled', value: registered(items[at].prepared, answer.value) } : answer));
      },
    };
  }


  /** A registration command; without an id, one derived from the Idempotency-Key keeps a retry idempotent. */
  private registration(body: RegisterCustomerDto, ctx: RequestContext): RegisterCustomer {
    const customerId = body.customerId ?? idFromIdempotencyKey(ctx, 'customer-id') ?? randomUUID();
    return { type: 'RegisterCustomer', customerId, profile: { ...body.profile }, ...(body.externalId !== undefined ? { externalId: body.externalId } : {}) };
  }

  @Patch(':customerId')
  @HttpCode(200)
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Change profile fields (only the fields given)' })
  @ApiAnswer(200, 'CommandOutcome')
  @ApiRefusals({ 404: 'The customer is not registered.', 422: 'occurredAt lies before the customer\'s latest event.' })
  async updateProfile(@IdParam('customerId') customerId: string, @Body() body: UpdateProfileDto, @Ctx() ctx: RequestContext) {
    checkBirthDate(body.changes.birthDate, 'changes.birthDate', this.clock.now());
    return this.commandBus.execute(
      new ExecuteCustomerCommand({ type: 'UpdateCustomerProfile', customerId, changes: { ...body.changes } }, { ...ctx, ...commandTime(body.occurredAt, this.clock.now()) }),
    );
  }

  @Post(':customerId/contact-points')
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Add an email, phone or address' })
  @ApiAnswer(201, 'CommandOutcome')
  @ApiRefusals({ 404: 'The customer is not registered.', 422: 'occurredAt lies before the customer\'s latest event.' })
  async addContactPoint(@IdParam('customerId') customerId: string, @Body() body: AddContactPointDto, @Ctx() ctx: RequestContext) {
    const value = body.kind === 'email' ? body.value.toLowerCase() : body.value;
    return this.commandBus.execute(
      new ExecuteCustomerCommand(
        { type: 'AddContactPoint', customerId, kind: body.kind, value, ...(body.label !== undefined ? { label: body.label } : {}) },
        { ...ctx, ...commandTime(body.occurredAt, this.clock.now()) },
      ),
    );
  }

  @Post(':customerId/consents')
  @HttpCode(200)
  @Roles('ingest', 'support')
  @ApiOperation({ summary: 'Give or withdraw a consent' })
  @ApiAnswer(200, 'CommandOutcome')
  @ApiRefusals({ 404: 'The customer is not registered.', 422: 'occurredAt lies before the customer\'s latest event.' })
  async consent(@IdParam('customerId') customerId: string, @Body() body: ConsentDto, @Ctx() ctx: RequestContext) {
    return this.commandBus.execute(
      new ExecuteCustomerCommand(
        { type: body.granted ? 'GiveConsent' : 'WithdrawConsent', customerId, purpose: body.purpose, via: body.via },
        { ...ctx, ...commandTime(body.occurredAt, this.clock.now()) },
      ),
    );
  }
}
