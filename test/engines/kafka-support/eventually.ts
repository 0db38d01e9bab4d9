// The engine suites' form of the shared wait (test/support/eventually.ts): a probe that answers
// undefined or false means "not yet", and a timeout names what was awaited.
import { eventually as untilPasses } from '../../support/eventually';

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<T> {
  try {
    return await untilPasses(async () => {
      const value = await probe();
      if (value === undefined || value === false) throw new Error('not yet');
      return value;
    }, timeoutMs);
  } catch (error) {
    const reason = error instanceof Error && error.message !== 'not yet' ? ` (last error: ${error.message})` : '';
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
  }
}
