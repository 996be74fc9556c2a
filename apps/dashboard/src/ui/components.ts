import type { ProblemDetail, RunStatus, SweepStatus } from '@agiqa/contracts';
import { ApiError } from '../api/client.js';
import { MISSING } from '../model/format.js';
import { STATUS_COLOR } from '../model/labels.js';
import type { StatusSegment } from '../model/status.js';
import { h, type Child } from './dom.js';

export function statusBadge(status: RunStatus | SweepStatus): HTMLElement {
  return h('span', { class: `badge status-${status}` }, status);
}

/** A stacked bar of run statuses with a text equivalent for screen readers. */
export function progressBar(segments: readonly StatusSegment[], label: string): HTMLElement {
  const text = segments.length ? segments.map((s) => `${s.count} ${s.status}`).join(', ') : 'no cells';
  return h(
    'div',
    { class: 'progress', role: 'img', 'aria-label': `${label}: ${text}`, title: text },
    segments.map((s) =>
      h('span', { class: `progress-seg status-${s.status}`, style: `width:${(s.fraction * 100).toFixed(2)}%;background:${STATUS_COLOR[s.status]}` }),
    ),
  );
}

/** A single-fraction bar (epochs done), 0–1. */
export function fractionBar(fraction: number, label: string): HTMLElement {
  const f = Number.isFinite(fraction) ? Math.min(Math.max(fraction, 0), 1) : 0;
  return h(
    'div',
    { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(f * 100) },
    h('span', { class: 'progress-seg', style: `width:${(f * 100).toFixed(2)}%;background:${STATUS_COLOR.running}` }),
  );
}

/** A visible flag on a figure (optimistic, uncertain, conflict, random fixture, reported). */
export function flag(kind: 'optimistic' | 'uncertain' | 'conflict' | 'tiny' | 'reported' | 'measured' | 'published' | 'inProgress', title?: string): HTMLElement {
  const text: Record<typeof kind, string> = {
    optimistic: 'optimistic',
    uncertain: 'assignment uncertain',
    conflict: 'text vs table conflict',
    tiny: 'random fixture',
    reported: 'reported',
    measured: 'measured',
    published: 'published elsewhere',
    inProgress: 'sweep in progress',
  };
  return h('span', { class: `flag flag-${kind}`, title: title ?? FLAG_HELP[kind] }, text[kind]);
}

/** What each flag means, shown as its tooltip and in legends. */
export const FLAG_HELP = {
  optimistic: 'Selected on the test set (report rule best-on-test): optimistic, not a held-out figure.',
  uncertain: "The paper's extracted table is garbled here: which of the four RoBERTa concat/cosine values belongs to which cell is the most plausible guess.",
  conflict: "PKU-I2IQA: the paper's text says SRCC 0.7149 / PLCC 0.7268 while its Table 2 says 0.7349 / 0.7868; Table 2's figures are shown.",
  tiny: 'Tiny encoders are randomly initialised fixtures for demos and tests: never comparable with the paper.',
  reported: "The paper's figure, not run by this platform.",
  measured: 'Aggregated from completed runs in this database: mean ± sample std over replicates, each replicate counted once.',
  published: "Another paper's published figure under its own protocol (reported only, not run here); see its citation and protocol.",
  inProgress: 'Includes completed runs of a sweep that is still running: the figure may still change.',
} as const;

export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, what);
}

/** The problems of an input as a list (`path: message`). */
export function problemList(details: readonly ProblemDetail[]): HTMLElement | null {
  if (details.length === 0) return null;
  return h(
    'ul',
    { class: 'problems' },
    details.map((d) => h('li', null, d.path && d.path !== '(root)' ? h('code', null, d.path) : null, d.path && d.path !== '(root)' ? ': ' : null, d.message)),
  );
}

/** An error as a box: the API's message, its code and status, and any problem details. */
export function errorBox(error: unknown, what?: string): HTMLElement {
  const title = what ? `${what} failed` : 'Something went wrong';
  if (error instanceof ApiError) {
    return h(
      'div',
      { class: 'error-box', role: 'alert' },
      h('strong', null, title),
      h('p', null, error.message, ' ', h('span', { class: 'muted' }, `(${error.code}${error.status ? `, HTTP ${error.status}` : ''})`)),
      error.code === 'unauthorized' || error.code === 'forbidden'
        ? h('p', null, 'This action needs an API token: set one under ', h('a', { href: '#/settings' }, 'API token'), '.')
        : null,
      problemList(error.details),
    );
  }
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', null, title), h('p', null, error instanceof Error ? error.message : String(error)));
}

/** A definition list of label → value; missing values show as "—". */
export function keyValues(entries: readonly [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'kv' },
    entries.map(([k, v]) => [h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? MISSING : v)]),
  );
}

/** A table in a horizontally scrolling wrapper (narrow screens). */
export function table(head: readonly Child[], rows: readonly (readonly Child[])[], props: { caption?: string; class?: string; id?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: props.class ?? null, id: props.id ?? null },
      props.caption ? h('caption', null, props.caption) : null,
      h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))),
    ),
  );
}

/**
 * A button that runs an async action: disabled while it runs, errors reported through `onError`.
 */
export function actionButton(label: string, action: () => Promise<void>, onError: (error: unknown) => void, props: { class?: string; disabled?: boolean; title?: string } = {}): HTMLButtonElement {
  const button = h('button', { type: 'button', class: props.class ?? null, disabled: props.disabled ?? false, title: props.title ?? null }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (error) {
      onError(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return button;
}

export function pageHeader(title: string, ...extra: Child[]): HTMLElement {
  return h('header', { class: 'page-header' }, h('h1', null, title), extra.length ? h('div', { class: 'page-actions' }, extra) : null);
}

/**
 * Previous / next buttons and "first–last of total" for a paginated list (`offset`, `limit`,
 * `total` as the API sends them); `go` is called with the offset to show.
 */
export function pager(page: { offset: number; count: number; total: number; limit: number }, go: (offset: number) => void, labels = { previous: 'Previous', next: 'Next' }): HTMLElement {
  const { offset, count, total, limit } = page;
  const range = count === 0 ? `0 of ${total}` : `${offset + 1}–${offset + count} of ${total}`;
  return h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, labels.previous),
    h('span', null, range),
    h('button', { type: 'button', disabled: offset + count >= total, onclick: () => go(offset + limit) }, labels.next),
  );
}
