import { SqliteReadStore } from '@app/read-store';
async function main() {
  const rs = new SqliteReadStore('/tmp/exp/rm.sqlite', { writes: 'inline' } as any);
  const q = (i: number) => rs.find('timeline', { and: [{ customerId: `bench-${(i * 7) % 1000}` }] }, { sort: [{ field: 'occurredAt', direction: 'desc' }, { field: 'eventId', direction: 'desc' }], limit: 51 });
  for (let i = 0; i < 2000; i++) await q(i);
  const t0 = performance.now();
  for (let i = 0; i < 6000; i++) await q(i);
  console.log(process.cwd(), 'µs per timeline page find', ((performance.now() - t0) / 6000 * 1000).toFixed(0));
  await rs.close();
}
main();
