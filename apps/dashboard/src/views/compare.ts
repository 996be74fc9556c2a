import type { CompareBody, Comparison } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { overlayTraces, PAIRWISE_TEST_LABEL, parcoordsTrace, SERIES_METRICS, seriesCurves } from '../model/comparison.js';
import { formatStat } from '../model/explorer.js';
import { errorBox, loading, pageHeader, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { select } from '../ui/form.js';
import { drawPlot } from '../ui/plot.js';

/** Series whose predictions the predicted-vs-MOS overlay draws (one run each). */
const OVERLAY_SERIES = 6;
/** Pairwise test rows listed (sorted by Holm-adjusted p). */
const PAIRWISE_ROWS = 200;

/**
 * Compare any number of runs, or the groups of an explorer query (`#/compare?filter=…&groupBy=…`):
 * series with every metric side by side (mean ± std and n), mean learning curves with markers,
 * parallel coordinates (fields that vary → SRCC, PLCC; plotly parcoords, one line per run),
 * predicted vs MOS overlaid, and pairwise tests with Holm's correction (Welch over replicates for
 * groups; Steiger or Fisher on the predictions for single runs). The comparison is one `POST /api/runs/compare`.
 */
export async function compareView(ctx: ViewContext, route: Extract<Route, { name: 'compare' }>): Promise<void> {
  const results = h('section', { 'aria-label': 'Comparison' });
  replace(ctx.root, pageHeader('Compare runs'), picker(ctx, route), results);
  const body: CompareBody | null =
    route.ids.length >= 2
      ? { ids: route.ids, archived: 'include' }
      : route.filters.length > 0 || route.groupBy
        ? { filter: route.filters, ...(route.groupBy ? { groupBy: route.groupBy.split(',').map((s) => s.trim()).filter(Boolean) } : {}), archived: 'exclude' }
        : null;
  if (!body) {
    replace(results, h('p', { class: 'muted' }, 'Pick two or more runs (or groups) in the ', h('a', { href: href({ name: 'explorer', query: { filters: [], sort: '', groupBy: '', archived: 'exclude' } }) }, 'Runs explorer'), ', or paste run ids above.'));
    return;
  }
  replace(results, loading('Comparing…'));
  let comparison: Comparison;
  try {
    comparison = await ctx.api.compare(body, ctx.signal);
  } catch (error) {
    if (!isAbort(error)) replace(results, errorBox(error, 'Comparing runs'));
    return;
  }
  await renderComparison(ctx, results, comparison);
}

function picker(ctx: ViewContext, route: Extract<Route, { name: 'compare' }>): HTMLElement {
  const ids = h('input', { type: 'text', id: 'compare-ids', name: 'ids', value: route.ids.join(','), autocomplete: 'off', placeholder: 'run ids, comma-separated' });
  const form = h(
    'form',
    { class: 'compare-picker', 'aria-label': 'Runs to compare' },
    h('div', { class: 'field-row' }, h('div', { class: 'field grow' }, h('label', { for: 'compare-ids' }, 'Run ids'), ids), h('div', { class: 'field' }, h('span', { class: 'label-spacer' }, ' '), h('button', { type: 'submit', class: 'primary' }, 'Compare'))),
    route.filters.length || route.groupBy
      ? h('p', { class: 'muted' }, `Runs matching ${route.filters.join('; ') || 'everything'}${route.groupBy ? `, one series per ${route.groupBy}` : ''}. `, h('a', { href: href({ name: 'explorer', query: { filters: route.filters, sort: '', groupBy: route.groupBy, archived: 'exclude' } }) }, 'Back to the explorer'))
      : null,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const list = ids.value.split(',').map((s) => s.trim()).filter(Boolean);
    ctx.navigate({ name: 'compare', ids: [...new Set(list)], filters: [], groupBy: '' });
  });
  return form;
}

async function renderComparison(ctx: ViewContext, root: HTMLElement, comparison: Comparison): Promise<void> {
  const labelOf = new Map(comparison.series.map((s) => [s.key, s.label]));
  const curves = h('div', { class: 'plot', id: 'compare-curves' });
  const parcoords = h('div', { class: 'plot', id: 'compare-parcoords' });
  const overlay = h('div', { class: 'plot', id: 'compare-overlay' });
  const metricSelect = select('metric', [
    { value: 'testSrcc', label: 'test SRCC' },
    { value: 'testPlcc', label: 'test PLCC' },
    { value: 'trainLoss', label: 'train loss' },
  ], 'testSrcc');
  metricSelect.id = 'compare-metric';
  const drawCurves = () =>
    drawPlot(ctx, curves, seriesCurves(comparison, metricSelect.value as 'testSrcc'), {
      xaxis: { title: { text: 'epoch' } },
      yaxis: { title: { text: metricSelect.selectedOptions[0]?.textContent ?? '' } },
      height: 380,
      showlegend: comparison.curves.length <= 20,
    });
  metricSelect.addEventListener('change', () => void drawCurves());

  const pairs = [...comparison.pairwise].sort((a, b) => a.pHolm - b.pHolm).slice(0, PAIRWISE_ROWS);
  replace(
    root,
    h('h2', null, `Series (${comparison.series.length}; ${comparison.runs.length} runs)`),
    h('p', { class: 'muted' }, "Each metric: mean ± std over the series' finished runs (n)."),
    table(
      ['Series', 'Runs', ...SERIES_METRICS.map(([, header]) => header)],
      comparison.series.map((s) => [
        s.runIds.length === 1 ? h('a', { href: href({ name: 'run', id: s.runIds[0] }) }, s.label) : s.label,
        String(s.runIds.length),
        ...SERIES_METRICS.map(([metric]) => h('span', { class: 'num' }, formatStat(s.metrics[metric]))),
      ]),
      { id: 'compare-series' },
    ),
    h('h2', null, 'Learning curves (mean per series)'),
    h('div', { class: 'toolbar' }, h('label', { for: 'compare-metric' }, 'Metric '), metricSelect),
    curves,
    h('h2', null, 'Parallel coordinates'),
    comparison.dimensions.length ? null : h('p', { class: 'muted' }, 'The runs differ in no config field: only their metrics are drawn.'),
    parcoords,
    h('h2', null, 'Predicted vs MOS'),
    h('p', { class: 'muted' }, `Test predictions of one run of each of the first ${Math.min(OVERLAY_SERIES, comparison.series.length)} series.`),
    overlay,
    h('h2', null, "Pairwise tests (SRCC, Holm's correction)"),
    pairs.length
      ? table(
          ['A', 'B', 'Test', 'Statistic (+: A higher)', 'n', 'p', 'p (Holm)'],
          pairs.map((p) => [labelOf.get(p.a) ?? p.a, labelOf.get(p.b) ?? p.b, PAIRWISE_TEST_LABEL[p.test], p.statistic.toFixed(3), String(p.n), p.p.toPrecision(3), h('span', { class: p.pHolm < 0.05 ? 'significant' : null }, p.pHolm.toPrecision(3), p.pHolm < 0.05 ? ' (< 0.05)' : '')]),
          { id: 'compare-pairwise' },
        )
      : h('p', { class: 'muted' }, 'No pair could be tested.'),
    comparison.notes.length ? h('ul', { class: 'notes' }, comparison.notes.map((n) => h('li', null, n))) : null,
  );
  await drawCurves();
  await drawPlot(ctx, parcoords, [parcoordsTrace(comparison)], { height: 420, margin: { l: 80, r: 80, t: 60, b: 30 } });
  await drawOverlay(ctx, overlay, comparison);
}

async function drawOverlay(ctx: ViewContext, el: HTMLElement, comparison: Comparison): Promise<void> {
  const chosen = comparison.series.slice(0, OVERLAY_SERIES);
  try {
    const sets = await Promise.all(
      chosen.map(async (s) => ({ label: s.label, items: await ctx.api.allPredictions(s.runIds[0], ctx.signal) })),
    );
    await drawPlot(ctx, el, overlayTraces(sets), { xaxis: { title: { text: 'MOS' } }, yaxis: { title: { text: 'predicted' } }, height: 420 });
  } catch (error) {
    if (!isAbort(error)) replace(el, errorBox(error, 'Loading predictions'));
  }
}
