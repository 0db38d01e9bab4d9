// Keyboard shortcuts for the frequent actions, and the help overlay that lists them. They never fire
// while the agent types in a field (or with Ctrl, Alt or Meta held), so they cannot eat keystrokes.
import { h } from './element';

export interface Shortcut {
  readonly key: string;
  /** How the key is written in the help, e.g. `?`. */
  readonly label: string;
  readonly does: string;
  /** Runs the action; false when it does not apply on this page. */
  readonly run: () => boolean;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The help overlay: a modal dialog (focus kept inside, Escape closes it) listing every shortcut. */
export function helpDialog(shortcuts: readonly Shortcut[]): HTMLDialogElement {
  const dialog: HTMLDialogElement = h('dialog', { id: 'shortcuts-help', class: 'help', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h('p', {}, 'They work anywhere except while you type in a field.'),
    h('table', { class: 'shortcut-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Does'))),
      h('tbody', {}, ...shortcuts.map((shortcut) => h('tr', {}, h('td', {}, h('kbd', {}, shortcut.label)), h('td', {}, shortcut.does)))),
    ),
    h('form', { method: 'dialog' }, h('button', { type: 'submit' }, 'Close')),
  );
  return dialog;
}

/** Listens for the shortcuts on the document; answers a function that stops listening. */
export function listenForShortcuts(shortcuts: readonly Shortcut[]): () => void {
  const onKey = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || typing(event.target)) return;
    if (document.querySelector('dialog[open]') && event.key !== '?') return;
    const shortcut = shortcuts.find((candidate) => candidate.key === event.key);
    if (shortcut && shortcut.run()) event.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
