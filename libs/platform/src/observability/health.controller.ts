// Liveness and readiness. Ready means: the event store and read store answer and take writes, and no supervised
// pipeline of this process has failed repeatedly. Every pipeline's state, last error, restarts and
// lag are listed, so an operator sees a stalled relay or projector without reading logs.
import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { Public } from '../auth/roles';
import { ApiAnswer } from '../openapi/api-answers';
import { answerWithin, SUPERVISOR, type Supervisor } from '../supervision/supervisor';

/**
 * Longest readiness waits for one store's answer, in ms: with MongoDB down, readiness answered only
 * after the driver's 30 s and probes with shorter timeouts saw nothing (found from outside). A store
 * that does not answer in time is down.
 */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** Another store this process needs to serve, checked by readiness beside the event and read stores (the key store). */
export interface ReadinessProbe {
  readonly name: string;
  /** Resolves with details to show when the store answers; rejects when it does not. */
  probe(): Promise<Record<string, unknown>>;
}
export const READINESS_PROBES = Symbol('ReadinessProbes');

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
    @Optional() @Inject(READINESS_PROBES) private readonly probes: readonly ReadinessProbe[] = [],
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiAnswer(200, 'Liveness')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: the stores answer and take writes, no pipeline has failed; every pipeline with its state and lag' })
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { eventStore, readStore } = this;
    const stores: ReadinessProbe[] = [
      ...(eventStore
        ? [{
            name: 'eventStore',
            probe: async () => {
              // A store that reads but cannot take a write (read-only file, full disk, lock held) is down.
              await eventStore.checkWritable?.();
              return { headPosition: await eventStore.headPosition() };
            },
          }]
        : []),
      ...(readStore
        ? [{
            name: 'readStore',
            probe: async () => {
              const generation = (readStore as { generation?: unknown }).generation;
              await readStore.checkWritable?.();
              return {
                projectorCheckpoint: await readStore.getCheckpoint('chronicle-projector'),
                // The live read-model generation (blue/green rebuilds), where the store has generations.
                ...(typeof generation === 'number' ? { generation } : {}),
              };
            },
          }]
        : []),
      ...this.probes,
    ];
    const checks: (() => Promise<HealthIndicatorResult>)[] = stores.map(({ name, probe }) => async () => {
      const session = this.indicators.check(name);
      try {
        return session.up(await answerWithin(probe(), READINESS_CHECK_TIMEOUT_MS));
      } catch (error) {
        return session.down({ error: String(error) });
      }
    });
    checks.push(async () => {
      const session = this.indicators.check('pipelines');
      const statuses = await this.supervisor.statuses(true);
      const details = Object.fromEntries(statuses.map(({ name, ...status }) => [name, status]));
      // Retrying is a transient state (a broker restart); `failed` means it keeps failing.
      return statuses.some((status) => status.state === 'failed') ? session.down(details) : session.up(details);
    });
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Not ready: still the whole report (what is down and why), with 503, not a bare problem document.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.code(503);
      return error.getResponse();
    }
  }
}
