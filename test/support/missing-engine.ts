// What an engine-backed suite does when its engine is not there. On a developer's machine it says so
// in one line and is listed as to-do. Under CI=true the test command has provisioned the engines
// itself (deploy/engines, nginx, Chromium), so a missing one means a broken run: the suite fails,
// naming what is missing, instead of passing green with nothing tested.
export function suiteWithoutEngine(suite: string, missing: string, provide: string): void {
  if (process.env['CI'] === 'true') {
    describe(suite, () => {
      it(`finds its engine, but ${missing}`, () => {
        throw new Error(`${suite}: ${missing} under CI=true, where the test command provisions it (${provide})`);
      });
    });
    return;
  }
  process.stderr.write(`${suite} SKIPPED: ${missing} (${provide})\n`);
  describe(suite, () => {
    it.todo(`runs with ${provide}`);
  });
}
