import type { RunDetail, RunSummary, SweepDetail } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, poll, type ViewContext } from '../app/view.js';
import { cellGrids, defaultCurveRuns, type CellGrid } from '../model/cells.js';
import { epochAxis, overlaidCurves } from '../model/curves.js';
import { formatDate, formatElapsed, formatNumber, formatPercent, formatText, MISSING } from '../model/format.js';
import { encoderLabel, fusionLabel, isTinyEncoder } from '../model/labels.js';
import { isActive, normaliseCounts, rerunnableCount, statusSegments, sweepProgress } from '../model/status.js';
import { actionButton, errorBox, flag, FLAG_HELP, fractionBar, keyValues, loading, pageHeader, progressBar, statusBadge, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { drawPlot } from '../ui/plot.js';

/** Runs whose curves the page overlays at most. */
const MAX_CURVES = 8;

/**
 * One sweep: live progress (polled every 2 s while pending or running), the cell grid coloured by
 * status, epoch curves of chosen runs, the runs table, and cancel / re-run-failed actions.
 */
export async function sweepDetailView(ctx: ViewContext, route: Extract<Route, { name: 'sweep' }>): Promise<void> {
  let sweep: SweepDetail | null = null;
  /** Runs chosen for the curves and for comparison; null until the first load picks defaults. */
  let chosen: Set<string> | null = null;
  const curveCache = new Map<string, RunDetail>();

  const head = h('div');
  const summary = h('section', { 'aria-label': 'Progress' });
  const grid = h('section', { 'aria-label': 'Cell grid' });
  const curvesNote = h('p', { class: 'muted' });
  const curves = h('div', { class: 'plot', id: 'sweep-curves' });
  const runsSection = h('section', { 'aria-label': 'Runs' });
  const message = h('div', { 'aria-live': 'polite' });
  replace(ctx.root, head, message, loading());

  const fail = (what: string) => (error: unknown) => replace(message, errorBox(error, what));

  async function load(): Promise<void> {
    try {
      sweep = await ctx.api.getSweep(route.id, ctx.signal);
    } catch (error) {
      if (isAbort(error)) return;
      if (sweep === null) replace(ctx.root, pageHeader('Sweep'), errorBox(error, 'Loading the sweep'));
      else replace(message, errorBox(error, 'Refreshing'));
      return;
    }
    if (chosen === null) {
      chosen = new Set(defaultCurveRuns(sweep.runs, 4));
      replace(ctx.root, head, message, summary, grid, h('section', { 'aria-label': 'Epoch curves' }, h('h2', null, 'Epoch curves'), curvesNote, curves), runsSection);
    }
    render(sweep);
    await refreshCurves(sweep);
  }

  function render(s: SweepDetail): void {
    const counts = normaliseCounts(s.counts);
    const rerunnable = rerunnableCount(counts);
    const active = isActive(s.status);
    replace(
      head,
      pageHeader(
        s.name || `Sweep ${s.id.slice(0, 8)}`,
        actionButton(
          'Cancel sweep',
          async () => {
            await ctx.api.cancelSweep(s.id);
            ctx.notify('Cancellation requested');
            replace(message);
            await load();
          },
          fail('Cancel'),
          { disabled: !active, title: active ? 'Stop running cells; finished ones keep their results' : 'The sweep is not running' },
        ),
        actionButton(
          `Re-run failed (${rerunnable})`,
          async () => {
            const result = await ctx.api.rerunFailed(s.id);
            ctx.notify(`Re-running ${result.runIds.length} cell${result.runIds.length === 1 ? '' : 's'}`);
            replace(message);
            await load();
            startPolling();
          },
          fail('Re-run failed'),
          { disabled: rerunnable === 0, title: 'Re-run only the cells that failed or were cancelled' },
        ),
        h('a', { class: 'button', href: href({ name: 'new-sweep', from: s.id }) }, 'Launch again'),
        h('a', { class: 'button', href: href({ name: 'new-schedule', from: s.id }) }, 'Schedule this grid'),
      ),
    );

    const epochFraction = s.progress?.fraction ?? sweepProgress(s.runs);
    const tinyEncoders = s.grid.encoders.filter((e) => isTinyEncoder(e));
    replace(
      summary,
      h('div', { class: 'summary-line' }, statusBadge(s.status), ' ', h('span', { id: 'sweep-counts' }, `${counts.completed} completed, ${counts.running} running, ${counts.pending} pending, ${counts.failed} failed, ${counts.cancelled} cancelled of ${formatText(s.cellCount)} cells`)),
      progressBar(statusSegments(counts, s.cellCount), 'Cells by status'),
      // The API counts a finished cell (even a failed one) as all its epochs: it will train no more.
      h('p', { class: 'muted' }, `Progress: ${s.progress ? `${s.progress.epochsDone} / ${s.progress.epochsTotal}` : MISSING} epochs (${formatPercent(epochFraction)}; finished cells count in full)`),
      fractionBar(epochFraction, 'Progress in epochs'),
      s.grid.reportRule === 'best-on-test' ? h('p', { class: 'warning' }, flag('optimistic'), ' ', FLAG_HELP.optimistic) : null,
      tinyEncoders.length ? h('p', { class: 'warning' }, flag('tiny'), ' ', FLAG_HELP.tiny) : null,
      keyValues([
        ['Encoders', s.grid.encoders.map(encoderLabel).join(', ')],
        ['Fusions', s.grid.fusions.map(fusionLabel).join(', ')],
        ['Datasets', s.grid.datasets.join(', ')],
        ['Image encoder', s.grid.imageEncoder],
        ['Seeds', s.grid.seeds.join(', ')],
        ['Split', `${s.grid.split.unit}, train ${s.grid.split.train ?? 'paper ratio'}, val ${s.grid.split.val}, seed ${s.grid.split.seed}, ${s.grid.split.repeats} repeat(s)`],
        ['Training', `${s.grid.epochs} epochs, batch ${s.grid.batchSize}, lr ${s.grid.learningRate}, ${s.grid.trainingMode}, label ${s.grid.label}`],
        ['Report rule', s.grid.reportRule],
        ['Created', formatDate(s.createdAt)],
        ['Finished', formatDate(s.finishedAt)],
        ['Schedule', s.scheduleId ? h('a', { href: href({ name: 'schedules' }) }, s.scheduleId) : 'none (launched by hand)'],
      ]),
    );

    replace(grid, h('h2', null, 'Cells'), legend(), cellGrids(s.runs, { encoders: s.grid.encoders, fusions: s.grid.fusions, datasets: s.grid.datasets }).map(renderGrid));
    renderRuns(s);
  }

  function legend(): HTMLElement {
    return h('p', { class: 'legend' }, (['completed', 'running', 'pending', 'failed', 'cancelled'] as const).map((s) => h('span', { class: 'legend-item' }, h('span', { class: `swatch status-${s}` }), s)));
  }

  function renderGrid(g: CellGrid): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'cell-grid', 'data-dataset': g.dataset },
        h('caption', null, `Dataset ${g.dataset}: text encoder × fusion, one square per split repeat × seed`),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Encoder'), g.fusions.map((f) => h('th', { scope: 'col' }, fusionLabel(f))))),
        h(
          'tbody',
          null,
          g.encoders.map((encoder, i) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, encoderLabel(encoder)),
              g.points[i].map((point) =>
                h(
                  'td',
                  { class: point ? `cell status-${point.status}` : 'cell' },
                  point
                    ? [
                        h(
                          'div',
                          { class: 'squares' },
                          point.runs.map((r) =>
                            h(
                              'a',
                              {
                                class: `square status-${r.status}`,
                                href: href({ name: 'run', id: r.id }),
                                title: `${r.cellKey}: ${r.status}${r.metrics ? `, SRCC ${formatNumber(r.metrics.srcc)}` : ''}`,
                                'aria-label': `${r.cellKey}: ${r.status}`,
                              },
                              '',
                            ),
                          ),
                        ),
                        h('span', { class: 'cell-metric' }, `SRCC ${formatNumber(point.meanSrcc)}`),
                      ]
                    : MISSING,
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function renderRuns(s: SweepDetail): void {
    const chosenIds = chosen ?? new Set<string>();
    const compareIds = [...chosenIds].slice(0, MAX_CURVES);
    const rows = s.runs.map((r) => [
      h('input', {
        type: 'checkbox',
        'aria-label': `Choose ${r.cellKey}`,
        checked: chosenIds.has(r.id),
        disabled: !chosenIds.has(r.id) && chosenIds.size >= MAX_CURVES,
        onchange: (event: Event) => {
          const box = event.target as HTMLInputElement;
          if (box.checked) chosenIds.add(r.id);
          else chosenIds.delete(r.id);
          renderRuns(s);
          void refreshCurves(s);
        },
      }),
      h('a', { href: href({ name: 'run', id: r.id }) }, r.cellKey),
      statusBadge(r.status),
      `${r.epochsDone}/${r.epochs}`,
      runMetric(r, 'srcc'),
      runMetric(r, 'plcc'),
      formatText(r.attempts),
      formatText(r.backend),
      h('span', { class: 'nowrap' }, formatElapsed(r.startedAt, r.finishedAt)),
      r.error ? h('span', { class: 'error-text', title: r.error }, r.error.length > 80 ? `${r.error.slice(0, 80)}…` : r.error) : MISSING,
    ]);
    replace(
      runsSection,
      h('h2', null, 'Runs'),
      h(
        'p',
        { class: 'toolbar' },
        `${chosenIds.size} chosen (curves above; at most ${MAX_CURVES}). `,
        compareIds.length >= 2 ? h('a', { class: 'button', href: href({ name: 'compare', ids: compareIds }) }, 'Compare chosen runs') : h('span', { class: 'muted' }, 'Choose two or more to compare.'),
      ),
      table(['', 'Cell', 'Status', 'Epochs', 'SRCC', 'PLCC', 'Attempts', 'Backend', 'Time', 'Error'], rows, { id: 'runs-table' }),
    );
  }

  function runMetric(r: RunSummary, metric: 'srcc' | 'plcc'): HTMLElement | string {
    const text = formatNumber(r.metrics?.[metric]);
    return r.metrics && r.reportRule === 'best-on-test' ? h('span', null, text, ' ', flag('optimistic')) : text;
  }

  async function refreshCurves(s: SweepDetail): Promise<void> {
    const ids = [...(chosen ?? [])].filter((id) => s.runs.some((r) => r.id === id));
    if (ids.length === 0) {
      curvesNote.textContent = 'Choose runs in the table below to see their epoch curves.';
      curves.replaceChildren();
      return;
    }
    curvesNote.textContent = 'Test SRCC per epoch of the chosen runs.';
    // A cached run is fresh while its summary still matches (status and epochs): finished runs are
    // fetched once, running ones whenever they progressed.
    const stale = ids.filter((id) => {
      const cached = curveCache.get(id);
      const current = s.runs.find((r) => r.id === id);
      return !cached || !current || cached.status !== current.status || cached.epochsDone !== current.epochsDone;
    });
    try {
      const fetched = await Promise.all(stale.map((id) => ctx.api.getRun(id, ctx.signal)));
      for (const run of fetched) curveCache.set(run.id, run);
    } catch (error) {
      if (!isAbort(error)) replace(message, errorBox(error, 'Loading epoch curves'));
      return;
    }
    const shown = ids.flatMap((id) => {
      const run = curveCache.get(id);
      return run ? [{ label: run.cellKey, epochs: run.epochMetrics }] : [];
    });
    await drawPlot(ctx, curves, overlaidCurves(shown, 'testSrcc'), {
      xaxis: epochAxis(shown.flatMap((c) => c.epochs.map((e) => e.epoch))),
      yaxis: { title: { text: 'test SRCC' } },
      height: 360,
    });
  }

  let polling = false;
  function startPolling(): void {
    if (polling) return;
    polling = true;
    poll(ctx, 2000, load, () => {
      const keep = sweep !== null && (isActive(sweep.status) || sweep.runs.some((r) => isActive(r.status)));
      if (!keep) polling = false;
      return keep;
    });
  }

  await load();
  if (sweep !== null) startPolling();
}
