// A form that sends one command: labelled fields, each with its own error slot, a polite status
// line for the outcome, and nothing the agent typed lost when the server refuses it.
import { ApiError } from './api-problem';
import { h, uniqueId } from './element';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface FieldSpec {
  /** The command's field name, as the API names it in problem documents. */
  readonly name: string;
  readonly label: string;
  readonly kind?: 'text' | 'number' | 'textarea' | 'select';
  readonly options?: readonly string[];
  readonly required?: boolean;
  readonly value?: string;
  readonly min?: number;
  readonly hint?: string;
}

export type FormValues = Readonly<Record<string, string>>;

export interface CommandFormOptions {
  readonly title: string;
  readonly submitLabel: string;
  readonly fields: readonly FieldSpec[];
  /** Sends the command; answers the sentence to show on success. */
  readonly submit: (values: FormValues) => Promise<string>;
  /** Maps a problem's field name to one of ours, e.g. `body` → `text`. */
  readonly fieldAlias?: Readonly<Record<string, string>>;
}

export class CommandForm {
  readonly element: HTMLFormElement;
  private readonly controls = new Map<string, { control: Control; error: HTMLElement }>();
  private readonly status: HTMLElement;
  private readonly button: HTMLButtonElement;

  constructor(private readonly options: CommandFormOptions) {
    const titleId = uniqueId('form-title');
    this.status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
    this.button = h('button', { type: 'submit' }, options.submitLabel);
    this.element = h('form', { class: 'command-form', 'aria-labelledby': titleId, novalidate: true, onsubmit: (event) => { event.preventDefault(); void this.send(); } },
      h('h3', { id: titleId }, options.title),
      ...options.fields.map((spec) => this.field(spec)),
      h('div', { class: 'form-actions' }, this.button),
      this.status,
    );
  }

  private field(spec: FieldSpec): HTMLElement {
    const id = uniqueId(`field-${spec.name}`);
    const errorId = `${id}-error`;
    const common = { id, name: spec.name, required: spec.required ?? false, 'aria-describedby': errorId };
    let control: Control;
    if (spec.kind === 'select') {
      control = h('select', common, ...(spec.options ?? []).map((option) => h('option', { value: option, selected: option === spec.value }, option.replace(/_/g, ' '))));
    } else if (spec.kind === 'textarea') {
      control = h('textarea', { ...common, rows: 3 });
      control.value = spec.value ?? '';
    } else {
      control = h('input', { ...common, type: spec.kind === 'number' ? 'number' : 'text', inputmode: spec.kind === 'number' ? 'numeric' : undefined, min: spec.min, value: spec.value });
    }
    const error = h('span', { class: 'field-error', id: errorId });
    this.controls.set(spec.name, { control, error });
    return h('div', { class: 'field' }, h('label', { for: id }, spec.label, spec.required || spec.kind === 'select' ? '' : h('span', { class: 'optional' }, ' (optional)')), control, spec.hint ? h('span', { class: 'hint' }, spec.hint) : null, error);
  }

  values(): FormValues {
    const values: Record<string, string> = {};
    for (const [name, { control }] of this.controls) values[name] = control.value.trim();
    return values;
  }

  private clearErrors(): void {
    for (const { control, error } of this.controls.values()) {
      error.textContent = '';
      control.removeAttribute('aria-invalid');
    }
    this.status.textContent = '';
    this.status.classList.remove('error', 'success');
  }

  /** Shows a refusal next to the fields it names; the rest goes to the form's status line. */
  showError(error: unknown): void {
    const unmatched: string[] = [];
    let first: Control | undefined;
    if (error instanceof ApiError) {
      for (const [field, message] of error.fieldMessages()) {
        const target = this.controls.get(this.options.fieldAlias?.[field] ?? field);
        if (!target) {
          unmatched.push(message);
          continue;
        }
        target.error.textContent = message;
        target.control.setAttribute('aria-invalid', 'true');
        first ??= target.control;
      }
    }
    const sentence = error instanceof Error ? error.message : 'Something went wrong.';
    this.status.textContent = [sentence, ...unmatched].join(' ');
    this.status.classList.add('error');
    (first ?? this.button).focus();
  }

  private async send(): Promise<void> {
    this.clearErrors();
    const missing = this.options.fields.filter((spec) => spec.required && this.values()[spec.name] === '');
    if (missing.length > 0) {
      for (const spec of missing) {
        const target = this.controls.get(spec.name);
        if (!target) continue;
        target.error.textContent = `${spec.label} is required.`;
        target.control.setAttribute('aria-invalid', 'true');
      }
      this.status.textContent = 'Please fill in the marked fields.';
      this.status.classList.add('error');
      this.controls.get(missing[0].name)?.control.focus();
      return;
    }
    this.button.disabled = true;
    this.element.setAttribute('aria-busy', 'true');
    try {
      const message = await this.options.submit(this.values());
      this.status.textContent = message;
      this.status.classList.add('success');
      for (const spec of this.options.fields) {
        const target = this.controls.get(spec.name);
        if (target && spec.kind !== 'select') target.control.value = spec.value ?? '';
      }
    } catch (error) {
      this.showError(error);
    } finally {
      this.button.disabled = false;
      this.element.removeAttribute('aria-busy');
    }
  }
}
