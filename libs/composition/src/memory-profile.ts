// MEMORY_PROFILE=lean: V8 flags that trade some speed for a smaller resident set. Set in the process
// before the heaps grow (runChronicle); worker threads started afterwards (the SQLite writer, the
// projector thread) take them from the start.
import { setFlagsFromString } from 'node:v8';
import type { ChronicleConfig } from '@app/platform';

/**
 * The old generation grows by 20% per major collection (V8 picks 10–400% by allocation rate), and a
 * young-generation semi-space is at most 8 MB (V8's default is 16 MB; on the main thread, whose
 * young generation exists before this runs, only where V8 resizes it).
 */
export const MEMORY_PROFILE_FLAGS: Readonly<Record<ChronicleConfig['MEMORY_PROFILE'], readonly string[]>> = {
  fast: [],
  lean: ['--heap-growing-percent=20', '--max-semi-space-size=8'],
};

export function applyMemoryProfile(profile: ChronicleConfig['MEMORY_PROFILE']): void {
  for (const flag of MEMORY_PROFILE_FLAGS[profile]) setFlagsFromString(flag);
}
