// Readiness answers in bounded time whatever a store does, and lists every store the process needs
// (found from outside: with MongoDB down it answered after 30 s, probes with shorter timeouts saw
// nothing, and the command API said ready while its key store was down).
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { EVENT_STORE } from '@app/event-store';
import { SUPERVISOR } from '../supervision/supervisor';
import { HealthController, READINESS_CHECK_TIMEOUT_MS, READINESS_PROBES, type ReadinessProbe } from './health.controller';

const never = () => new Promise<never>(() => undefined);

async function readiness(probes: ReadinessProbe[], eventStore: object) {
  const module = await Test.createTestingModule({
    imports: [TerminusModule],
    controllers: [HealthController],
    providers: [
      { provide: SUPERVISOR, useValue: { statuses: async () => [] } },
      { provide: EVENT_STORE, useValue: eventStore },
      { provide: READINESS_PROBES, useValue: probes },
    ],
  }).compile();
  const controller = module.get(HealthController);
  let status = 200;
  const reply = { code: (code: number) => { status = code; return reply; } };
  return { answer: controller.ready(reply as never), status: () => status };
}

describe('readiness', () => {
  afterEach(() => jest.useRealTimers());

  it('says a store that does not answer within READINESS_CHECK_TIMEOUT_MS is down, and answers 503 then with every other store\'s state', async () => {
    jest.useFakeTimers();
    const { answer, status } = await readiness(
      [{ name: 'keyStore', probe: never }],
      { checkWritable: async () => undefined, headPosition: async () => 42 },
    );
    await jest.advanceTimersByTimeAsync(READINESS_CHECK_TIMEOUT_MS);
    expect(await answer).toMatchObject({
      status: 'error',
      info: { eventStore: { status: 'up', headPosition: 42 } },
      error: { keyStore: { status: 'down', error: `Error: no answer within ${READINESS_CHECK_TIMEOUT_MS} ms` } },
    });
    expect(status()).toBe(503);
  });

  it('lists each probe of the process beside the event store: up with its details, down with its error', async () => {
    const up = await readiness([{ name: 'keyStore', probe: async () => ({ pendingErasures: false }) }], { headPosition: async () => 7 });
    expect({ answer: await up.answer, status: up.status() }).toMatchObject({ answer: { status: 'ok', info: { eventStore: { status: 'up', headPosition: 7 }, keyStore: { status: 'up', pendingErasures: false } } }, status: 200 });
    const down = await readiness([{ name: 'keyStore', probe: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:27018'); } }], { headPosition: async () => 7 });
    expect({ answer: await down.answer, status: down.status() }).toMatchObject({ answer: { status: 'error', error: { keyStore: { status: 'down', error: 'Error: connect ECONNREFUSED 127.0.0.1:27018' } } }, status: 503 });
  });
});
