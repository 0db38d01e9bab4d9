import type { TimelineEntry } from './read-models';
import { mergeEntries, newerFirst } from './timeline-panel';

const entry = (eventId: string, occurredAt: string): TimelineEntry => ({ eventId, occurredAt, type: 'NoteAdded', kind: 'NoteAdded', channel: 'note', summary: eventId, position: 1 });

describe('timeline merging', () => {
  const shown = [entry('c', '2026-11-20T10:00:00Z'), entry('b', '2026-11-10T10:00:00Z'), entry('a', '2026-11-01T10:00:00Z')];

  it('orders newest first, then by event id like the API', () => {
    const sorted = [entry('x', '2026-01-01T00:00:00Z'), entry('z', '2026-02-01T00:00:00Z'), entry('y', '2026-01-01T00:00:00Z')].sort(newerFirst);
    expect(sorted.map((e) => e.eventId)).toEqual(['z', 'y', 'x']);
  });

  it('adds unknown entries where they sort and ignores the ones already shown', () => {
    const fresh = [entry('d', '2026-11-21T10:00:00Z'), entry('c', '2026-11-20T10:00:00Z'), entry('e', '2026-11-15T10:00:00Z')];
    const merged = mergeEntries(shown, fresh, false);
    expect(merged.entries.map((e) => e.eventId)).toEqual(['d', 'c', 'e', 'b', 'a']);
    expect(merged.added).toEqual(['d', 'e']);
  });

  it('leaves entries older than the loaded range to the next page, unless the end was reached', () => {
    const older = [entry('old', '2025-01-01T00:00:00Z')];
    expect(mergeEntries(shown, older, false)).toEqual({ entries: shown, added: [] });
    expect(mergeEntries(shown, older, true).entries.map((e) => e.eventId)).toEqual(['c', 'b', 'a', 'old']);
  });

  it('takes everything into an empty timeline', () => {
    expect(mergeEntries([], shown, false).added).toEqual(['c', 'b', 'a']);
  });
});
