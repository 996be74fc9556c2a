import type { ProblemDetail } from '@agiqa/contracts';
import { ApiError } from '../api/client.js';
import { mapFieldErrors } from '../model/field-errors.js';
import { problemList } from './components.js';
import { h, replace, uid, type Child } from './dom.js';

/**
 * One labelled form field. `name` is the body path the server reports problems under; the error
 * element beside the input is where those problems appear (`data-error-for`).
 */
export function field(name: string, label: string, control: HTMLElement, hint?: Child): HTMLElement {
  const errorId = uid('err');
  const hintId = hint ? uid('hint') : null;
  if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement) {
    control.id ||= uid('f');
    control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  }
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: control.id || null }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errorId, 'data-error-for': name, 'aria-live': 'polite' }),
  );
}

/** A fieldset of checkboxes (one per option) sharing `name`; problems show under the legend. */
export function checkboxGroup(name: string, legend: string, options: readonly { value: string; label: Child; hint?: string }[], checked: readonly string[], hint?: Child): HTMLElement {
  const errorId = uid('err');
  return h(
    'fieldset',
    { class: 'field checks', 'data-field': name, 'aria-describedby': errorId },
    h('legend', null, legend),
    hint ? h('p', { class: 'hint' }, hint) : null,
    h(
      'div',
      { class: 'check-list' },
      options.map((o) => {
        const id = uid('c');
        return h(
          'div',
          { class: 'check' },
          h('input', { type: 'checkbox', id, name, value: o.value, checked: checked.includes(o.value) }),
          h('label', { for: id, title: o.hint ?? null }, o.label),
        );
      }),
    ),
    h('p', { class: 'field-error', id: errorId, 'data-error-for': name, 'aria-live': 'polite' }),
  );
}

export function textInput(name: string, value: string, props: Record<string, string | boolean> = {}): HTMLInputElement {
  return h('input', { type: 'text', name, value, autocomplete: 'off', ...props });
}

export function select(name: string, options: readonly { value: string; label: string }[], value: string): HTMLSelectElement {
  const el = h('select', { name }, options.map((o) => h('option', { value: o.value }, o.label)));
  el.value = value;
  return el;
}

/** Clears every field error and the general problem box of a form. */
export function clearErrors(form: HTMLFormElement, general: HTMLElement): void {
  for (const el of form.querySelectorAll<HTMLElement>('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
  replace(general);
}

/**
 * Shows a failed submission: each problem next to the field it names, the rest (and the message)
 * in `general`. Returns the fields that got an error, the first of which receives focus.
 */
export function showErrors(form: HTMLFormElement, general: HTMLElement, error: unknown, fields: readonly string[]): string[] {
  clearErrors(form, general);
  const details: ProblemDetail[] = error instanceof ApiError ? error.details : [];
  const { byField, general: unplaced } = mapFieldErrors(details, fields);
  const placed: string[] = [];
  for (const [name, messages] of byField) {
    const wrapper = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
    const target = wrapper?.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`);
    if (!wrapper || !target) {
      unplaced.push(...messages.map((message) => ({ path: name, message })));
      continue;
    }
    target.textContent = messages.join('; ');
    wrapper.classList.add('invalid');
    for (const input of wrapper.querySelectorAll('input, select, textarea')) input.setAttribute('aria-invalid', 'true');
    placed.push(name);
  }
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  replace(
    general,
    h(
      'div',
      { class: 'error-box', role: 'alert' },
      h('strong', null, placed.length ? 'Please fix the marked fields.' : 'The request was refused.'),
      h('p', null, message, error instanceof ApiError ? h('span', { class: 'muted' }, ` (${error.code}${error.status ? `, HTTP ${error.status}` : ''})`) : null),
      error instanceof ApiError && (error.code === 'unauthorized' || error.code === 'forbidden')
        ? h('p', null, 'Set an API token under ', h('a', { href: '#/settings' }, 'API token'), '.')
        : null,
      problemList(unplaced),
    ),
  );
  if (placed.length) form.querySelector<HTMLElement>(`[data-field="${CSS.escape(placed[0])}"] input, [data-field="${CSS.escape(placed[0])}"] select`)?.focus();
  return placed;
}
