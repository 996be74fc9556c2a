import type { Selection, SettingsList } from '@agiqa/contracts';
import type { TableExportFormat, TableQuery } from '../api/client.js';
import type { Route, TableKey } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { comparisonRows, exportFileName, settingOptions, sweepOptions } from '../model/table-controls.js';
import { selectionLine } from '../model/table1.js';
import { actionButton, errorBox, loading, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { select } from '../ui/form.js';

type TableRoute = Extract<Route, { name: 'table' }>;

/** The query a table page sends the API (route fields that are set; Table 1 also its dataset). */
export function routeQuery(route: TableRoute): TableQuery {
  return {
    dataset: route.table === '1' ? route.dataset : null,
    setting: route.setting,
    sweep: route.sweep,
    plcc: route.plcc,
    inProgress: route.inProgress,
  };
}

/**
 * The pickers every table page shares: which setting or sweep the measured figures come from
 * (choosing one clears the other), the PLCC variant, and whether runs of sweeps still in progress
 * count. A change navigates, so the URL always says what is shown.
 */
export function settingControls(ctx: ViewContext, route: TableRoute, settings: SettingsList, defaultLabel: string): HTMLElement {
  const go = (change: Partial<TableRoute>) => ctx.navigate({ ...route, ...change });
  const setting = select('setting', settingOptions(settings, defaultLabel), route.setting ?? '');
  setting.id = 'table-setting';
  setting.addEventListener('change', () => go({ setting: setting.value || null, sweep: null }));
  const sweep = select('sweep', sweepOptions(settings, route.setting), route.sweep ?? '');
  sweep.id = 'table-sweep';
  sweep.addEventListener('change', () => go({ sweep: sweep.value || null, setting: null }));
  const plcc = select('plcc', [{ value: '', label: 'raw' }, { value: 'logistic', label: 'after the 4-parameter logistic fit' }], route.plcc ?? '');
  plcc.id = 'table-plcc';
  plcc.addEventListener('change', () => go({ plcc: plcc.value || null }));
  const inProgress = h('input', { type: 'checkbox', id: 'table-in-progress', checked: route.inProgress === 'include' });
  inProgress.addEventListener('change', () => go({ inProgress: inProgress.checked ? 'include' : null }));
  return h(
    'div',
    { class: 'toolbar' },
    h('span', { class: 'picker' }, h('label', { for: setting.id }, 'Setting '), setting),
    h('span', { class: 'picker' }, h('label', { for: sweep.id }, 'Sweep '), sweep),
    h('span', { class: 'picker' }, h('label', { for: plcc.id }, 'PLCC '), plcc),
    h('span', { class: 'picker' }, inProgress, h('label', { for: inProgress.id }, ' include sweeps in progress (marked)')),
  );
}

/** The setting line, the caption an export prints, and the notes of a table. */
export function tableFacts(t: { selection?: Selection; caption: string; notes: string[] }): HTMLElement {
  return h(
    'div',
    { class: 'table-facts' },
    t.selection ? h('p', { class: 'muted', id: 'table-selection' }, selectionLine(t.selection)) : null,
    h('p', { class: 'muted small', id: 'table-caption' }, t.caption),
    t.notes.length ? h('ul', { class: 'notes', id: 'table-notes' }, t.notes.map((n) => h('li', null, n))) : null,
  );
}

const FORMAT_LABEL: Record<TableExportFormat, string> = { latex: 'LaTeX', csv: 'CSV', md: 'Markdown' };

/**
 * Copy and download buttons for the table as the API exports it (the same query as what is
 * shown). Copying falls back to a text box to copy by hand where the clipboard is refused.
 */
export function exportBar(ctx: ViewContext, tableKey: TableKey, query: TableQuery): HTMLElement {
  const fallback = h('div', { class: 'export-fallback' });
  const fetchText = (format: TableExportFormat) => ctx.api.exportTable(tableKey, query, format, ctx.signal);
  const onError = (error: unknown) => {
    if (!isAbort(error)) replace(fallback, errorBox(error, 'Exporting the table'));
  };
  const buttons = (['latex', 'csv', 'md'] as const).flatMap((format) => {
    const copy = actionButton(`Copy ${FORMAT_LABEL[format]}`, async () => {
      const text = await fetchText(format);
      try {
        await navigator.clipboard.writeText(text);
        replace(fallback);
        ctx.notify(`${FORMAT_LABEL[format]} copied`);
      } catch {
        const box = h('textarea', { class: 'export-text', readonly: true, rows: 8, 'aria-label': `${FORMAT_LABEL[format]} to copy` }, text);
        replace(fallback, h('p', { class: 'muted' }, 'The browser refused the clipboard: select and copy the text below.'), box);
        box.select();
      }
    }, onError);
    copy.id = `export-${format}-copy`;
    const download = actionButton(`Download ${FORMAT_LABEL[format]}`, async () => {
      const text = await fetchText(format);
      const url = URL.createObjectURL(new Blob([text], { type: format === 'csv' ? 'text/csv' : format === 'md' ? 'text/markdown' : 'application/x-latex' }));
      const link = h('a', { href: url, download: exportFileName(tableKey, format) });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 0);
    }, onError);
    download.id = `export-${format}-download`;
    return [copy, download];
  });
  return h('div', { class: 'export-bar' }, h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Export: '), buttons), fallback);
}

/**
 * "Compare with": the shown setting (or sweep) against another, cell by cell over matched
 * replicates (paired t and Wilcoxon, Holm-corrected), in a table under the picker.
 */
export function comparePanel(ctx: ViewContext, route: TableRoute, shown: Selection, settings: SettingsList, dataset: string | null): HTMLElement | null {
  const a = shown.sweep?.id ?? shown.setting?.id;
  if (!a || !dataset) return null;
  const others = settingOptions({ ...settings, settings: settings.settings.filter((s) => s.id !== shown.setting?.id) }, 'pick a setting…');
  const sweeps = sweepOptions(settings, null).slice(1).filter((o) => o.value !== shown.sweep?.id).map((o) => ({ value: o.value, label: `sweep ${o.label}` }));
  const picker = select('compare', [...others, ...sweeps], '');
  picker.id = 'compare-with';
  const metric = select('metric', [{ value: 'srcc', label: 'SRCC' }, { value: 'plcc', label: 'PLCC' }], 'srcc');
  metric.id = 'compare-metric';
  const out = h('div', { id: 'compare-result' });
  const run = async () => {
    if (!picker.value) return replace(out);
    replace(out, loading('Comparing…'));
    try {
      const comparison = await ctx.api.compareSettings(
        { a, b: picker.value, dataset, metric: metric.value, plcc: route.plcc, inProgress: route.inProgress },
        ctx.signal,
      );
      const rows = comparisonRows(comparison);
      replace(
        out,
        table(
          ['Cell', 'Pairs', 'Mean (shown)', 'Mean (other)', 'Other − shown', 'Paired t p', 'Wilcoxon p'],
          rows.map((r) => [h('span', { class: r.significant ? 'significant' : null, title: r.note ?? '' }, r.cell), r.pairs, r.meanA, r.meanB, r.diff, r.t, r.wilcoxon]),
          { id: 'compare-table', caption: `${comparison.metric.toUpperCase()} on ${comparison.dataset}, over replicates matched on seed and split` },
        ),
        h('ul', { class: 'notes' }, [...rows.flatMap((r) => (r.note ? [`${r.cell}: ${r.note}`] : [])), ...comparison.notes].map((n) => h('li', null, n))),
      );
    } catch (error) {
      if (!isAbort(error)) replace(out, errorBox(error, 'Comparing settings'));
    }
  };
  picker.addEventListener('change', () => void run());
  metric.addEventListener('change', () => void run());
  return h(
    'section',
    { class: 'compare-settings' },
    h('h2', null, 'Compare settings'),
    h('div', { class: 'toolbar' }, h('label', { for: picker.id }, 'Shown setting against '), picker, ' ', h('label', { for: metric.id }, 'metric '), metric),
    out,
  );
}
