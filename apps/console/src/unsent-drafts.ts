// What the agent typed and has not sent, kept across a session that ends under them (idle expiry, a
// 401 on Send) so signing in again in this tab brings the page back as they left it. Kept in this
// tab's memory only, never in localStorage or sessionStorage: drafts hold personal data. Dropped
// when someone else signs in, or the agent signs out on purpose.

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** Marks on every field the agent has typed in or chosen: only those are drafts (not what a page filled in). */
const TYPED = 'typed';

export interface UnsentDrafts {
  readonly agentId: string;
  /** The page they were typed on (its URL hash). */
  readonly hash: string;
  /** Field values by the field's data-focus-key, unique on a page. */
  readonly values: ReadonlyMap<string, string>;
}

/** Follows which fields the agent types in, below `root`. */
export function markTyping(root: HTMLElement): void {
  const mark = (event: Event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) target.dataset[TYPED] = '';
  };
  root.addEventListener('input', mark, { capture: true });
  root.addEventListener('change', mark, { capture: true });
}

/** The drafts on `page`: each field the agent typed in whose value is not what it started with; undefined when none. */
export function collectDrafts(page: HTMLElement, agentId: string, hash: string): UnsentDrafts | undefined {
  const values = new Map<string, string>();
  for (const control of page.querySelectorAll<Control>(`[data-${TYPED}][data-focus-key]`)) {
    const untouched = control instanceof HTMLSelectElement ? [...control.options].every((option) => option.selected === option.defaultSelected) : control.value === control.defaultValue;
    if (!untouched) values.set(control.dataset.focusKey as string, control.value);
  }
  return values.size > 0 ? { agentId, hash, values } : undefined;
}

/** Puts drafts back into the fields of the page drawn again (as if typed, so forms know they are edited); answers how many. */
export function restoreDrafts(page: HTMLElement, drafts: UnsentDrafts): number {
  let restored = 0;
  for (const control of page.querySelectorAll<Control>('[data-focus-key]')) {
    const value = drafts.values.get(control.dataset.focusKey as string);
    if (value === undefined) continue;
    control.value = value;
    control.dispatchEvent(new Event('input', { bubbles: true }));
    // A draft in a closed disclosure (Edit the profile) is shown, not hidden away.
    for (let details = control.closest('details'); details; details = details.parentElement?.closest('details') ?? null) details.open = true;
    restored += 1;
  }
  return restored;
}
