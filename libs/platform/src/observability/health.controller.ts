// Liveness and readiness: ready means the event store and read store answer.
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { Public } from '../auth/roles';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
  ) {}

  @Get('live')
  @Public()
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  ready() {
    const checks = [];
    if (this.eventStore) {
      const store = this.eventStore;
      checks.push(async () => {
        const session = this.indicators.check('eventStore');
        try {
          return session.up({ headPosition: await store.headPosition() });
        } catch (error) {
          return session.down({ error: String(error) });
        }
      });
    }
    if (this.readStore) {
      const store = this.readStore;
      checks.push(async () => {
        const session = this.indicators.check('readStore');
        try {
          return session.up({ projectorCheckpoint: await store.getCheckpoint('chronicle-projector') });
        } catch (error) {
          return session.down({ error: String(error) });
        }
      });
    }
    return this.health.check(checks);
  }
}
