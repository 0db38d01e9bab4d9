// A port for a process a test starts on a fixed address (so a restarted one comes back at the same
// URL), or for an address where nobody listens. Taken below the system's ephemeral range: a port the
// system hands out (outgoing connections, listeners on port 0, which every other suite running in
// parallel makes by the thousand) could be taken by one of those between this check and its use; a
// port below the range can only be taken by another fixed choice like this one.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Below this, the fixed ports of the engines (19092, 19093) and of suites that start private ones (18092, 18093, 17018).
const LOWEST = 20_000;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > LOWEST + 1_000) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152
  }
  return 49_152;
}

const CEILING = ephemeralRangeStart();

function listensOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nobody listens on now, outside the range the system hands out by itself. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (CEILING - LOWEST));
    if (await listensOn(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${CEILING}`);
}
