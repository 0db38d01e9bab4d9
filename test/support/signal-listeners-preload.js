// Preloaded into a server process by test/e2e/diagnostic-signals.e2e-spec.ts (NODE_OPTIONS=--require):
// on SIGWINCH (which nothing else uses) it prints how many JavaScript listeners each signal gained
// since Node started the process (Node's own, such as --report-on-signal's, are there before), so the
// spec can tell which signals the application takes for itself.
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'];
const before = new Map(SIGNALS.map((signal) => [signal, process.listenerCount(signal)]));
process.on('SIGWINCH', () => {
  const added = SIGNALS.map((signal) => `${signal}=${process.listenerCount(signal) - before.get(signal)}`);
  process.stdout.write(`signal listeners added: ${added.join(' ')}\n`);
});
