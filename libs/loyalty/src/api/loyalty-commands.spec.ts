import { DomainError, DomainErrorCode } from '@app/event-sourcing';
import { WrongExpectedRevisionError } from '@app/event-store';
import { CommandExecutor, type CommandOutcome } from '@app/platform';
import { LOYALTY_ACCOUNTS_COLLECTION, LOYALTY_HISTORY_COLLECTION, type LoyaltyAccountDocument, type LoyaltyHistoryDocument } from '../projections';
import { LoyaltyTestBed, testContext, TEST_PROGRAM } from '../testing/loyalty-test-bed';
import { LoyaltyCommands } from './loyalty-commands';

const C = 'c-busy';
const AT = '2026-05-01T12:00:00Z';

describe('LoyaltyCommands on a real SqliteEventStore and CommandExecutor', () => {
  let bed: LoyaltyTestBed;

  beforeEach(async () => {
    bed = await new LoyaltyTestBed().start();
    // 300.00 of apparel: 300 points.
    await bed.commands.execute({ type: 'EarnForPurchase', customerId: C, orderId: 'o-1', currency: 'EUR', lines: [{ category: 'apparel', amountMinor: 300_00 }], at: '2026-04-01T00:00:00Z' }, testContext('2026-04-01T00:00:00Z'));
  });

  afterEach(() => bed.close());

  const redeem = (commands: LoyaltyCommands, index: number): Promise<CommandOutcome> =>
    commands.execute({ type: 'Redeem', customerId: C, customerStatus: 'active', redemptionId: `x-${index}`, points: 7, reason: 'voucher', at: AT }, testContext(AT));

  async function settle(attempts: Promise<CommandOutcome>[]) {
    const results = await Promise.allSettled(attempts);
    const accepted = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    return { accepted, refusals };
  }

  it('50 parallel redemptions: never below 0, every accepted one in the stream and the history, the rest refused on points', async () => {
    const { accepted, refusals } = await settle(Array.from({ length: 50 }, (_, index) => redeem(bed.commands, index)));

    // 300 points cover 42 redemptions of 7; the queue per account means no conflict reaches the caller.
    expect(accepted).toHaveLength(42);
    expect(refusals).toHaveLength(8);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({ code: DomainErrorCode.RuleViolated, field: 'points' });
    }
    const stream = await bed.loyaltyEvents(C);
    const redeemed = stream.filter((event) => event.type === 'PointsRedeemed').map((event) => (event.data as { redemptionId: string }).redemptionId);
    expect(redeemed.sort()).toEqual(accepted.map((index) => `x-${index}`).sort());

    await bed.project();
    const account = await bed.reads.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, C);
    expect(account).toMatchObject({ balance: 300 - 42 * 7, redeemed: 42 * 7 });
    const history = await bed.reads.find<LoyaltyHistoryDocument>(LOYALTY_HISTORY_COLLECTION, { customerId: C, type: 'PointsRedeemed' });
    expect(history.map((row) => (row.data as { redemptionId: string }).redemptionId).sort()).toEqual(redeemed.sort());
  });

  it('two processes on one account (no shared queue): the expected revision still keeps the balance at 0 or more', async () => {
    // Each "process" has its own executor and queue, so their appends race on the stream revision.
    const processes = [new LoyaltyCommands(new CommandExecutor(bed.events), TEST_PROGRAM), new LoyaltyCommands(new CommandExecutor(bed.events), TEST_PROGRAM)];
    const { accepted, refusals } = await settle(Array.from({ length: 50 }, (_, index) => redeem(processes[index % 2], index)));

    for (const refusal of refusals) {
      // Refused for the balance, or a conflict that outlived the executor's bounded retries: never a lost write.
      const isBalance = refusal instanceof DomainError && refusal.field === 'points';
      expect(isBalance || refusal instanceof WrongExpectedRevisionError).toBe(true);
    }
    const stream = await bed.loyaltyEvents(C);
    const redeemed = stream.filter((event) => event.type === 'PointsRedeemed');
    expect(redeemed.map((event) => (event.data as { redemptionId: string }).redemptionId).sort()).toEqual(accepted.map((index) => `x-${index}`).sort());
    expect(redeemed.length * 7).toBeLessThanOrEqual(300);
    expect(accepted.length).toBeGreaterThan(0);
  });

  it('answers a retried redemption with the first result and appends nothing', async () => {
    const first = await redeem(bed.commands, 1);
    const again = await redeem(bed.commands, 1);
    expect(again).toMatchObject({ replayed: true, eventIds: first.eventIds, position: first.position });
    expect((await bed.loyaltyEvents(C)).filter((event) => event.type === 'PointsRedeemed')).toHaveLength(1);
  });
});
