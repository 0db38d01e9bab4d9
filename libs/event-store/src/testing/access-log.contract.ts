// The AccessLog port's contract suite: every adapter's integration spec calls it with a factory.
// The log may be shared with other tests: each test uses its own customer ids and actors.
import { randomUUID } from 'node:crypto';
import { InvalidInstantError } from '@app/event-sourcing';
import type { AccessEntry, AccessLog, RecordedAccess } from '../access-log.port';

export interface AccessLogUnderTest {
  readonly log: AccessLog;
  /** A second handle on the same log (another process, or the same after a restart). */
  reopen(): AccessLog;
  dispose(): Promise<void>;
}

function entry(overrides: Partial<AccessEntry> = {}): AccessEntry {
  return {
    at: new Date().toISOString(),
    actor: { id: `key-${randomUUID().slice(0, 8)}`, name: 'auditor-1', role: 'auditor' },
    action: 'customer360',
    customerId: `c-${randomUUID()}`,
    resource: 'GET /v1/customers/x',
    correlationId: randomUUID(),
    ...overrides,
  };
}

async function everything(log: AccessLog, query: Omit<Parameters<AccessLog['query']>[0], 'limit' | 'after'>, limit = 3): Promise<RecordedAccess[]> {
  const all: RecordedAccess[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await log.query({ ...query, limit, ...(after === undefined ? {} : { after }) });
    all.push(...page.entries);
    if (page.next === null) return all;
    expect(page.entries).toHaveLength(limit);
    after = page.next;
  }
}

export function describeAccessLogContract(name: string, factory: () => Promise<AccessLogUnderTest>): void {
  describe(`AccessLog contract: ${name}`, () => {
    let subject: AccessLogUnderTest;

    beforeEach(async () => {
      subject = await factory();
    });

    afterEach(async () => {
      await subject.dispose();
    });

    it('records concurrent reads durably: each one is there, whole, for another reader of the log', async () => {
      const actor = { id: `key-${randomUUID()}`, name: `reader-${randomUUID()}`, role: 'auditor' };
      const written = Array.from({ length: 40 }, (_, index) => entry({ actor, customerId: `c-${index}-${randomUUID()}`, onBehalfOf: { id: `agent-${index}` } }));
      await Promise.all(written.map((one) => subject.log.record(one)));
      const other = subject.reopen();
      try {
        const read = await everything(other, { actor: actor.id }, 7);
        expect(read.map(({ id: _id, ...rest }) => rest)).toEqual(expect.arrayContaining(written.map((one) => ({ ...one, at: new Date(one.at).toISOString() }))));
        expect(read).toHaveLength(40);
        expect(new Set(read.map((one) => one.id)).size).toBe(40);
      } finally {
        await other.close();
      }
    });

    it.each(['2026-02-30T10:00:00Z', '2026-03-01T10:00:00', 'yesterday', '+275760-09-14T00:00:00Z', ''])('refuses %j as from or to with an InvalidInstantError naming it', async (bad) => {
      for (const argument of ['from', 'to'] as const) {
        await expect(subject.log.query({ [argument]: bad, limit: 10 })).rejects.toBeInstanceOf(InvalidInstantError);
        await expect(subject.log.query({ [argument]: bad, limit: 10 })).rejects.toMatchObject({ argument });
      }
    });

    it('refuses an entry whose `at` is not an instant, alone: the entries recorded with it are written', async () => {
      const actor = { id: `key-${randomUUID()}`, name: `reader-${randomUUID()}` };
      const [before, bad, after] = [entry({ actor }), entry({ actor, at: '2026-02-30T10:00:00Z' }), entry({ actor })];
      const outcomes = await Promise.allSettled([subject.log.record(before), subject.log.record(bad), subject.log.record(after)]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidInstantError);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ argument: 'at' });
      expect((await everything(subject.log, { actor: actor.id })).map((one) => one.correlationId)).toEqual([before.correlationId, after.correlationId]);
    });

    it('pages in recording order with a cursor, and filters by customer, actor id or name, and time', async () => {
      const customerId = `c-${randomUUID()}`;
      const actor = { id: `key-${randomUUID()}`, name: `reader-${randomUUID()}` };
      const base = Date.parse('2026-03-01T10:00:00.000Z');
      const ours: AccessEntry[] = [];
      for (let minute = 0; minute < 7; minute++) {
        const one = entry({ actor, customerId, at: new Date(base + minute * 60_000).toISOString(), action: minute % 2 === 0 ? 'customer360' : 'timeline' });
        ours.push(one);
        await subject.log.record(one);
      }
      const stranger = entry({ customerId, actor: { id: `key-${randomUUID()}`, name: `other-${randomUUID()}` } });
      await subject.log.record(stranger);

      const byActor = await everything(subject.log, { actor: actor.id }, 3);
      expect(byActor.map((one) => one.at)).toEqual(ours.map((one) => one.at));
      expect(await everything(subject.log, { actor: actor.name })).toEqual(byActor);
      const ids = byActor.map((one) => BigInt(one.id));
      expect(ids.every((id, index) => index === 0 || id > (ids[index - 1] as bigint))).toBe(true);

      const window = await everything(subject.log, { actor: actor.id, from: ours[2].at, to: ours[5].at });
      expect(window.map((one) => one.at)).toEqual([ours[2].at, ours[3].at, ours[4].at]);
      const forCustomer = (await everything(subject.log, { customerId })).filter((one) => one.customerId !== null);
      expect(forCustomer.map((one) => one.actor.id)).toEqual([...ours.map(() => actor.id), stranger.actor.id]);
    });

    it('a customer\'s reads include reads that spanned every customer (customerId null)', async () => {
      const customerId = `c-${randomUUID()}`;
      const actor = { id: `key-${randomUUID()}` };
      await subject.log.record(entry({ actor, customerId, action: 'customer360' }));
      await subject.log.record(entry({ actor, customerId: null, action: 'audit-log-export', resource: 'GET /v1/audit/log' }));
      await subject.log.record(entry({ actor, customerId: `c-${randomUUID()}` }));
      const read = await everything(subject.log, { customerId, actor: actor.id });
      expect(read.map((one) => [one.action, one.customerId])).toEqual([['customer360', customerId], ['audit-log-export', null]]);
    });
  });
}
