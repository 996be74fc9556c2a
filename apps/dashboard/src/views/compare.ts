import type { RunComparison, SweepDetail, SweepSummary } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { METRIC_HEADERS, metricRows, runLabel, significanceRows } from '../model/compare.js';
import { CURVE_METRIC_LABEL, epochAxis, overlaidCurves, type CurveMetric } from '../model/curves.js';
import { formatNumber } from '../model/format.js';
import { errorBox, flag, loading, pageHeader, statusBadge, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { select } from '../ui/form.js';
import { drawPlot } from '../ui/plot.js';

const MAX_RUNS = 8;

/** Compare: pick 2–8 runs (from a sweep), then overlaid curves, metrics side by side and significance. */
export async function compareView(ctx: ViewContext, route: Extract<Route, { name: 'compare' }>): Promise<void> {
  const picker = h('section', { 'aria-label': 'Pick runs' });
  const results = h('section', { 'aria-label': 'Comparison' });
  replace(ctx.root, pageHeader('Compare runs'), picker, results);
  void renderPicker(ctx, picker, route.ids);
  if (route.ids.length >= 2) await renderComparison(ctx, results, route.ids);
  else replace(results, h('p', { class: 'muted' }, 'Pick at least two runs: the first one is the baseline the others are tested against.'));
}

async function renderPicker(ctx: ViewContext, root: HTMLElement, current: readonly string[]): Promise<void> {
  replace(root, loading('Loading sweeps…'));
  let sweeps: SweepSummary[];
  try {
    sweeps = (await ctx.api.listSweeps({ limit: 100 }, ctx.signal)).items;
  } catch (error) {
    if (!isAbort(error)) replace(root, errorBox(error, 'Loading sweeps'));
    return;
  }
  const chosen = new Set(current);
  const runsBox = h('div');
  const sweepSelect = select('sweep', [{ value: '', label: 'choose a sweep…' }, ...sweeps.map((s) => ({ value: s.id, label: `${s.name || s.id.slice(0, 8)} (${s.counts.completed ?? 0}/${s.cellCount} completed)` }))], '');
  sweepSelect.id = 'compare-sweep';
  const idsInput = h('input', { type: 'text', id: 'compare-ids', name: 'ids', value: current.join(','), autocomplete: 'off', placeholder: 'run ids, comma-separated' });
  const go = h('button', { type: 'submit', class: 'primary' }, 'Compare');
  const form = h(
    'form',
    { class: 'compare-picker', 'aria-label': 'Runs to compare' },
    h('div', { class: 'field-row' }, h('div', { class: 'field' }, h('label', { for: 'compare-sweep' }, 'Runs of sweep'), sweepSelect), h('div', { class: 'field grow' }, h('label', { for: 'compare-ids' }, 'Run ids (first = baseline)'), idsInput)),
    runsBox,
    h('div', { class: 'form-actions' }, go),
  );
  const syncIds = () => (idsInput.value = [...chosen].join(','));
  sweepSelect.addEventListener('change', async () => {
    if (!sweepSelect.value) return replace(runsBox);
    replace(runsBox, loading('Loading runs…'));
    let sweep: SweepDetail;
    try {
      sweep = await ctx.api.getSweep(sweepSelect.value, ctx.signal);
    } catch (error) {
      if (!isAbort(error)) replace(runsBox, errorBox(error, 'Loading the sweep'));
      return;
    }
    replace(
      runsBox,
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', null, `Runs of ${sweep.name || sweep.id.slice(0, 8)}`),
        h(
          'div',
          { class: 'check-list' },
          sweep.runs.map((r) => {
            const id = `pick-${r.id}`;
            return h(
              'div',
              { class: 'check' },
              h('input', {
                type: 'checkbox',
                id,
                value: r.id,
                checked: chosen.has(r.id),
                onchange: (e: Event) => {
                  const box = e.target as HTMLInputElement;
                  if (box.checked && chosen.size < MAX_RUNS) chosen.add(r.id);
                  else {
                    box.checked = false;
                    chosen.delete(r.id);
                  }
                  syncIds();
                },
              }),
              h('label', { for: id }, `${r.cellKey} `, statusBadge(r.status), ` SRCC ${formatNumber(r.metrics?.srcc)}`),
            );
          }),
        ),
      ),
    );
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = idsInput.value.split(',').map((s) => s.trim()).filter(Boolean);
    ctx.navigate({ name: 'compare', ids: [...new Set(ids)] });
  });
  replace(root, form);
}

async function renderComparison(ctx: ViewContext, root: HTMLElement, ids: readonly string[]): Promise<void> {
  replace(root, loading('Comparing…'));
  let comparison: RunComparison;
  try {
    comparison = await ctx.api.compareRuns(ids, ctx.signal);
  } catch (error) {
    if (!isAbort(error)) replace(root, errorBox(error, 'Comparing runs'));
    return;
  }
  const labelOf = new Map(comparison.runs.map((r) => [r.id, runLabel(r)]));
  const curves = comparison.curves.map((c) => ({ label: labelOf.get(c.runId) ?? c.runId, epochs: c.epochs }));
  const plot = h('div', { class: 'plot', id: 'compare-curves' });
  const metrics = (Object.keys(CURVE_METRIC_LABEL) as CurveMetric[]).map((m) => ({ value: m, label: CURVE_METRIC_LABEL[m] }));
  const metricSelect = select('metric', metrics, 'testSrcc');
  metricSelect.id = 'compare-metric';
  const draw = () =>
    drawPlot(ctx, plot, overlaidCurves(curves, metricSelect.value as CurveMetric), {
      xaxis: epochAxis(curves.flatMap((c) => c.epochs.map((e) => e.epoch))),
      yaxis: { title: { text: CURVE_METRIC_LABEL[metricSelect.value as CurveMetric] } },
      height: 380,
    });
  metricSelect.addEventListener('change', () => void draw());

  const rows = metricRows(comparison.runs);
  const sig = significanceRows(comparison);
  replace(
    root,
    h('h2', null, 'Metrics'),
    table(
      [...METRIC_HEADERS, 'Flags'],
      rows.map((r, i) => [
        h('a', { href: href({ name: 'run', id: r.id }) }, r.cells[0]),
        ...r.cells.slice(1),
        h('span', null, i === 0 ? h('span', { class: 'flag' }, 'baseline') : null, ' ', r.optimistic ? flag('optimistic') : null),
      ]),
      { id: 'compare-metrics' },
    ),
    h('h2', null, 'Epoch curves'),
    h('div', { class: 'toolbar' }, h('label', { for: 'compare-metric' }, 'Metric '), metricSelect),
    plot,
    h('h2', null, 'Significance of the SRCC difference'),
    sig.length
      ? table(
          ['Runs', 'Test', 'Baseline SRCC', 'Other SRCC', 'Δ', 'z', 'p', 'n'],
          sig.map((s) => [s.pair, s.test, s.baseline, s.other, s.delta, s.z, h('span', { class: s.significant ? 'significant' : null }, s.p, s.significant ? ' (p < 0.05)' : ''), s.n]),
          { id: 'compare-significance' },
        )
      : h('p', { class: 'muted' }, 'No test was possible for these runs.'),
    comparison.notes.length ? h('ul', { class: 'notes' }, comparison.notes.map((n) => h('li', null, n))) : null,
  );
  await draw();
}
