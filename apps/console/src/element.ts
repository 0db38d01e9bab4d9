// Builds DOM nodes without innerHTML, so text from the API can never become markup.

export type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export type Attributes = Readonly<Record<string, string | number | boolean | Handler | undefined>>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: readonly Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2).toLowerCase(), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replaceChildren(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Ids for label/aria-describedby pairs; unique within the page. */
let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * Redraws `container` without taking the agent's focus away: the focused element is found again in
 * the new content by its `data-focus-key` (and its caret and scroll restored). Live updates redraw
 * lists while an agent works in them; focus must never jump to the heading or the page body.
 */
export function redrawKeepingFocus(container: Element, redraw: () => void): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.closest<HTMLElement>('[data-focus-key]')?.dataset.focusKey : undefined;
  redraw();
  if (key === undefined || container.contains(document.activeElement)) return;
  const again = [...container.querySelectorAll<HTMLElement>('[data-focus-key]')].find((node) => node.dataset.focusKey === key);
  (again ?? null)?.focus({ preventScroll: true });
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Says an outcome where the agent can see it, whatever is scrolled into view: a polite live region
 * fixed at the bottom of the viewport (a form's own status line may be off-screen on a phone).
 */
export function announce(message: string, kind: 'success' | 'error' | 'info' = 'success'): void {
  let toast = document.getElementById('toast');
  if (!toast) {
    toast = h('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(toast);
  }
  toast.textContent = message;
  toast.dataset.kind = kind;
  clearTimeout(toastTimer);
  // Emptied, not removed: the live region stays in place for the next message.
  toastTimer = setTimeout(() => { if (toast) toast.textContent = ''; }, 8000);
}
