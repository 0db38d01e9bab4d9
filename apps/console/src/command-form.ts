// A form that sends one command: labelled fields, each with its own error slot, a polite status
// line and a toast for the outcome, nothing the agent typed lost when the server refuses it, and
// focus left where the agent is (a disabled button would drop it to the page body).
import { newId } from './api-client';
import { ApiError } from './api-problem';
import { announce, h, uniqueId } from './element';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface FieldSpec {
  /** The command's field name, as the API names it in problem documents. */
  readonly name: string;
  readonly label: string;
  readonly kind?: 'text' | 'textarea' | 'select' | 'email' | 'tel' | 'date';
  readonly options?: readonly (string | { readonly value: string; readonly label: string })[];
  readonly required?: boolean;
  readonly value?: string;
  readonly hint?: string;
  readonly inputMode?: 'numeric' | 'text' | 'email' | 'tel';
  readonly autocomplete?: string;
  /** A client-side check with a message that says what to type; undefined when the value is fine. */
  readonly check?: (value: string) => string | undefined;
  readonly rows?: number;
}

export type FormValues = Readonly<Record<string, string>>;

export interface CommandFormOptions {
  readonly title: string;
  /** Heading level of the title inside the page. */
  readonly level?: 'h2' | 'h3';
  readonly submitLabel: string;
  readonly fields: readonly FieldSpec[];
  /**
   * Sends the command with the draft's idempotency key (the same for every retry of one draft, a
   * new one after a success); answers the sentence to show on success.
   */
  readonly submit: (values: FormValues, idempotencyKey: string) => Promise<string>;
  /** Maps a problem's field name to one of ours, e.g. `body` → `text`. */
  readonly fieldAlias?: Readonly<Record<string, string>>;
  /** Keep the values after a success (an edit form shows what is now stored). */
  readonly keepValues?: boolean;
  readonly className?: string;
  /** A name for the form's focus keys, unique on the page (e.g. `reply`). */
  readonly key: string;
}

export class CommandForm {
  readonly element: HTMLFormElement;
  private readonly controls = new Map<string, { control: Control; error: HTMLElement; spec: FieldSpec }>();
  private readonly status: HTMLElement;
  private readonly button: HTMLButtonElement;
  private busy = false;
  private draft = newId('console');

  constructor(private readonly options: CommandFormOptions) {
    const titleId = uniqueId('form-title');
    this.status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
    this.button = h('button', { type: 'submit', 'data-focus-key': `${options.key}:submit` }, options.submitLabel);
    this.element = h('form', {
      class: `command-form${options.className ? ` ${options.className}` : ''}`, 'aria-labelledby': titleId, novalidate: true,
      onsubmit: (event) => { event.preventDefault(); void this.send(); },
    },
      h(options.level ?? 'h3', { id: titleId }, options.title),
      ...options.fields.map((spec) => this.field(spec)),
      h('div', { class: 'form-actions' }, this.button),
      this.status,
    );
  }

  private field(spec: FieldSpec): HTMLElement {
    const id = uniqueId(`field-${spec.name}`);
    const errorId = `${id}-error`;
    const hintId = spec.hint ? `${id}-hint` : undefined;
    const common = {
      id, name: spec.name, required: spec.required ?? false, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
      'data-focus-key': `${this.options.key}:${spec.name}`, autocomplete: spec.autocomplete ?? 'off',
    };
    let control: Control;
    if (spec.kind === 'select') {
      control = h('select', common, ...(spec.options ?? []).map((option) => {
        const { value, label } = typeof option === 'string' ? { value: option, label: option.replace(/_/g, ' ') } : option;
        return h('option', { value, selected: value === spec.value }, label);
      }));
    } else if (spec.kind === 'textarea') {
      control = h('textarea', { ...common, rows: spec.rows ?? 3 });
      control.value = spec.value ?? '';
    } else {
      const type = spec.kind === 'email' ? 'email' : spec.kind === 'tel' ? 'tel' : spec.kind === 'date' ? 'date' : 'text';
      control = h('input', { ...common, type, inputmode: spec.inputMode, value: spec.value });
    }
    const error = h('span', { class: 'field-error', id: errorId });
    this.controls.set(spec.name, { control, error, spec });
    return h('div', { class: 'field' },
      h('label', { for: id }, spec.label, spec.required || spec.kind === 'select' ? '' : h('span', { class: 'optional' }, ' (optional)')),
      control,
      spec.hint ? h('span', { class: 'hint', id: hintId }, spec.hint) : null,
      error,
    );
  }

  values(): FormValues {
    const values: Record<string, string> = {};
    for (const [name, { control }] of this.controls) values[name] = control.value.trim();
    return values;
  }

  /** Sets fields (an edit form showing what is stored now), leaving a field the agent is typing in alone. */
  setValues(values: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(values)) {
      const target = this.controls.get(name);
      if (target && document.activeElement !== target.control) target.control.value = value;
    }
  }

  /** Puts the cursor in the first field (keyboard shortcuts). */
  focus(): void {
    const first = [...this.controls.values()].find(({ control }) => control instanceof HTMLTextAreaElement) ?? [...this.controls.values()][0];
    first?.control.focus();
    first?.control.scrollIntoView({ block: 'nearest' });
  }

  private clearErrors(): void {
    for (const { control, error } of this.controls.values()) {
      error.textContent = '';
      control.removeAttribute('aria-invalid');
    }
    this.status.textContent = '';
    this.status.classList.remove('error', 'success');
  }

  private mark(name: string, message: string): Control | undefined {
    const target = this.controls.get(name);
    if (!target) return undefined;
    target.error.textContent = message;
    target.control.setAttribute('aria-invalid', 'true');
    return target.control;
  }

  /** Shows a refusal next to the fields it names; the rest goes to the form's status line. */
  showError(error: unknown): void {
    const unmatched: string[] = [];
    let first: Control | undefined;
    if (error instanceof ApiError) {
      for (const [field, message] of error.fieldMessages()) {
        const marked = this.mark(this.options.fieldAlias?.[field] ?? field, message);
        if (marked) first ??= marked;
        else unmatched.push(message);
      }
    }
    // Fields marked: say so, and add what names no field of the form. None marked: the error's own
    // sentence, which for a refusal holds the API's messages (a field the form has no control for).
    const sentence = first ? 'Please correct the marked fields.' : error instanceof Error ? error.message : 'Something went wrong.';
    // A field the form has no control for (the ticket of a 409) often carries the problem's own sentence: said once.
    const said = [sentence];
    for (const message of unmatched) if (!said.some((earlier) => earlier.includes(message))) said.push(message);
    this.status.textContent = said.join(' ');
    this.status.classList.add('error');
    announce(this.status.textContent, 'error');
    (first ?? this.button).focus();
  }

  private async send(): Promise<void> {
    if (this.busy) return;
    this.clearErrors();
    const values = this.values();
    let first: Control | undefined;
    for (const { spec } of this.controls.values()) {
      const value = values[spec.name];
      const problem = spec.required && value === '' ? `${spec.label} is required.` : value !== '' || spec.required ? spec.check?.(value) : undefined;
      if (problem === undefined) continue;
      const marked = this.mark(spec.name, problem);
      first ??= marked;
    }
    if (first) {
      this.status.textContent = 'Please correct the marked fields.';
      this.status.classList.add('error');
      first.focus();
      return;
    }
    this.busy = true;
    this.button.setAttribute('aria-disabled', 'true');
    this.element.setAttribute('aria-busy', 'true');
    try {
      const message = await this.options.submit(values, this.draft);
      this.draft = newId('console');
      this.status.textContent = message;
      this.status.classList.add('success');
      announce(message);
      if (!this.options.keepValues) {
        for (const { control, spec } of this.controls.values()) if (spec.kind !== 'select') control.value = spec.value ?? '';
      }
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy = false;
      this.button.removeAttribute('aria-disabled');
      this.element.removeAttribute('aria-busy');
    }
  }
}
