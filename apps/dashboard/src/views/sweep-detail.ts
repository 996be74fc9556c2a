import type { EpochMetricRow, RunSummary, SweepSnapshotEvent, SweepStateEvent } from '@agiqa/contracts';
import { followEvents } from '../api/live.js';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { cellGrids, defaultCurveRuns, gridPointKey } from '../model/cells.js';
import { epochAxis, overlaidCurves } from '../model/curves.js';
import { formatDate, formatElapsed, formatNumber, formatPercent, formatText, MISSING } from '../model/format.js';
import { HEATMAP_METRIC_LABEL, HEATMAP_METRICS, heatCell, heatColour, heatRange, heatTextColour, trainedFraction, type HeatmapMetric } from '../model/heatmap.js';
import { formatStat } from '../model/explorer.js';
import { encoderLabel, fusionLabel, isTinyEncoder } from '../model/labels.js';
import { isActive, normaliseCounts, rerunnableCount, statusSegments } from '../model/status.js';
import { actionButton, errorBox, flag, FLAG_HELP, fractionBar, keyValues, loading, pageHeader, progressBar, statusBadge } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { select } from '../ui/form.js';
import { drawPlot } from '../ui/plot.js';
import { mountVirtualList, type VirtualList } from '../ui/virtual-list.js';

/** Runs whose curves the page overlays at most. */
const MAX_CURVES = 8;
/**
 * Above this many runs the table renders only the rows in view (@tanstack/virtual-core, as the
 * explorer does): laying out and painting a 1,000-row table took 45–55 ms of every live update
 * (Chromium trace: Layout ~30 ms, Paint ~15 ms), twice that on a loaded machine.
 */
const PLAIN_TABLE_MAX_RUNS = 300;
/** A run row's height in px (rows do not wrap in the scrolled table). */
const ROW_HEIGHT = 33;
const RUN_COLUMNS = ['', 'Cell', 'Status', 'Epochs', 'SRCC', 'PLCC', 'Attempts', 'Backend', 'Time', 'Error'];

/** A grid point's runs in the order its squares and running epochs are shown. */
function byRepeatAndSeed(a: RunSummary, b: RunSummary): number {
  return a.splitRepeat - b.splitRepeat || (a.seed ?? 0) - (b.seed ?? 0);
}

/** `1h02m`, `3m05s`, `12s`. */
function formatEta(seconds: number | null): string {
  if (seconds === null) return MISSING;
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * One sweep, live: the page subscribes to `GET /api/sweeps/:id/events` (server-sent events) and
 * updates only what changed — a run's table row and its heatmap cell when that run moves, the
 * summary when the sweep's counts or phase move. The heatmap is coloured by the chosen metric
 * (mean over completed seeds × repeats, with std and n); running cells show their epoch. Nothing
 * is polled; a dropped stream reconnects and starts again from a snapshot.
 */
export async function sweepDetailView(ctx: ViewContext, route: Extract<Route, { name: 'sweep' }>): Promise<void> {
  let sweep: SweepSnapshotEvent | null = null;
  const runs = new Map<string, RunSummary>();
  let chosen: Set<string> | null = null;
  let metric: HeatmapMetric = 'srcc';
  /** A chosen run's learning curve, as of the status and epoch it was read at. */
  const curveCache = new Map<string, { status: RunSummary['status']; epochsDone: number; epochs: EpochMetricRow[] }>();

  const head = h('div');
  const summary = h('section', { 'aria-label': 'Progress' });
  const heatmap = h('section', { 'aria-label': 'Cell grid' });
  const curvesNote = h('p', { class: 'muted' });
  const curves = h('div', { class: 'plot', id: 'sweep-curves' });
  const runsSection = h('section', { 'aria-label': 'Runs' });
  const message = h('div', { 'aria-live': 'polite' });
  const connection = h('span', { class: 'muted small', id: 'sweep-live' });
  replace(ctx.root, head, message, loading());

  /** Table rows by run id: an update patches its row in place. */
  const rowOf = new Map<string, HTMLTableRowElement>();
  /**
   * Heatmap cells by `dataset/encoder/fusion`, and their runs' squares by run id: an update
   * repaints the cells' figures and colours (a cheap few nodes each) and only the squares of the
   * runs that moved; rebuilding every square of a 1,000-run sweep each second cost the page's
   * longest tasks.
   */
  const cellOf = new Map<string, { td: HTMLTableCellElement; figures: HTMLElement }>();
  const squareOf = new Map<string, HTMLAnchorElement>();

  const fail = (what: string) => (error: unknown) => replace(message, errorBox(error, what));
  const pointKey = gridPointKey;

  function onSnapshot(snapshot: SweepSnapshotEvent): void {
    sweep = snapshot;
    runs.clear();
    for (const run of snapshot.runs) runs.set(run.id, run);
    if (chosen === null) chosen = new Set(defaultCurveRuns(snapshot.runs, 4));
    replace(ctx.root, head, message, summary, heatmap, h('section', { 'aria-label': 'Epoch curves' }, h('h2', null, 'Epoch curves'), curvesNote, curves), runsSection);
    renderHead();
    renderSummary();
    renderHeatmap();
    renderRuns();
    void refreshCurves();
  }

  function onRuns(changed: RunSummary[]): void {
    for (const run of changed) {
      runs.set(run.id, run);
      patchRow(run);
      const square = squareOf.get(run.id);
      if (square) paintSquare(square, run);
    }
    paintCells();
    if (changed.some((r) => chosen?.has(r.id))) void refreshCurves();
  }

  function onSweep(state: SweepStateEvent): void {
    if (!sweep) return;
    const wasActive = isActive(sweep.status);
    sweep = { ...sweep, ...state };
    renderSummary();
    if (wasActive !== isActive(sweep.status)) renderHead();
  }

  function renderHead(): void {
    const s = sweep;
    if (!s) return;
    const counts = normaliseCounts(s.counts);
    const rerunnable = rerunnableCount(counts);
    const active = isActive(s.status);
    replace(
      head,
      pageHeader(
        s.name || `Sweep ${s.id.slice(0, 8)}`,
        actionButton('Cancel sweep', async () => {
          await ctx.api.cancelSweep(s.id);
          ctx.notify('Cancellation requested');
        }, fail('Cancel'), { disabled: !active, title: active ? 'Stop running cells; finished ones keep their results' : 'The sweep is not running' }),
        actionButton(`Re-run failed (${rerunnable})`, async () => {
          const result = await ctx.api.rerunFailed(s.id);
          ctx.notify(`Re-running ${result.runIds.length} cell${result.runIds.length === 1 ? '' : 's'}`);
          follow();
        }, fail('Re-run failed'), { disabled: rerunnable === 0 || active, title: 'Re-run only the cells that failed or were cancelled' }),
        actionButton(s.archived ? 'Unarchive' : 'Archive', async () => {
          await ctx.api.archive('sweeps', s.id, !s.archived);
          if (sweep) sweep = { ...sweep, archived: !s.archived };
          ctx.notify(s.archived ? 'Unarchived' : 'Archived: hidden from the runs explorer');
          renderHead();
        }, fail('Archive')),
        actionButton('Delete', async () => {
          if (!window.confirm(`Delete this sweep and its ${s.cellCount} runs with their epochs, predictions and checkpoints?`)) return;
          await ctx.api.remove('sweeps', s.id);
          ctx.notify('Sweep deleted');
          ctx.navigate({ name: 'sweeps' });
        }, fail('Delete'), { class: 'danger', disabled: active, title: active ? 'Cancel the sweep first' : 'Delete the sweep and everything it produced' }),
        h('a', { class: 'button', href: href({ name: 'explorer', query: { filters: [`sweep=${s.id}`], sort: '', groupBy: 'textEncoder,fusion', archived: 'include' } }) }, 'In the explorer'),
        h('a', { class: 'button', href: href({ name: 'new-sweep', from: s.id }) }, 'Launch again'),
        h('a', { class: 'button', href: href({ name: 'new-schedule', from: s.id }) }, 'Schedule this grid'),
      ),
    );
  }

  function renderSummary(): void {
    const s = sweep;
    if (!s) return;
    const counts = normaliseCounts(s.counts);
    const all = [...runs.values()];
    const { trained, total } = trainedFraction(all);
    const fraction = total > 0 ? trained / total : 1;
    const ended = s.status === 'cancelled' || s.status === 'failed';
    const tinyEncoders = s.grid.encoders.filter((e) => isTinyEncoder(e));
    replace(
      summary,
      h(
        'div',
        { class: 'summary-line' },
        statusBadge(s.status),
        ' ',
        h('span', { id: 'sweep-phase', class: 'phase' }, s.live.phase),
        ' ',
        h('span', { id: 'sweep-counts' }, `${counts.completed} completed, ${counts.running} running, ${counts.pending} pending, ${counts.failed} failed, ${counts.cancelled} cancelled of ${formatText(s.cellCount)} cells`),
        ' ',
        connection,
      ),
      progressBar(statusSegments(counts, s.cellCount), 'Cells by status'),
      h(
        'p',
        { class: 'muted', id: 'sweep-progress' },
        ended
          ? `${s.status === 'cancelled' ? 'Cancelled' : 'Failed'}: ${trained} of ${total} epochs ran (${formatPercent(fraction)}); ${counts.completed} of ${s.cellCount} cells completed and keep their results.`
          : `Progress: ${trained} / ${total} epochs trained (${formatPercent(fraction)})${isActive(s.status) ? ` · ETA ${formatEta(s.live.etaSeconds)}` : ''}`,
      ),
      fractionBar(fraction, 'Progress in epochs'),
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
  }

  function renderHeatmap(): void {
    const s = sweep;
    if (!s) return;
    const grids = cellGrids([...runs.values()], { encoders: s.grid.encoders, fusions: s.grid.fusions, datasets: s.grid.datasets });
    cellOf.clear();
    squareOf.clear();
    const metricSelect = select('metric', HEATMAP_METRICS.map((m) => ({ value: m, label: HEATMAP_METRIC_LABEL[m] })), metric);
    metricSelect.id = 'heatmap-metric';
    metricSelect.addEventListener('change', () => {
      metric = metricSelect.value as HeatmapMetric;
      renderHeatmap();
    });
    replace(
      heatmap,
      h('h2', null, 'Cells'),
      h('div', { class: 'toolbar' }, h('label', { for: 'heatmap-metric' }, 'Colour by '), metricSelect, h('span', { class: 'muted small' }, `mean over completed runs; ${metric === 'rmse' ? 'lower' : 'higher'} is darker`)),
      grids.map((g) =>
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'cell-grid heatmap', 'data-dataset': g.dataset },
            h('caption', null, `Dataset ${g.dataset}: text encoder × fusion (${HEATMAP_METRIC_LABEL[metric]} mean ± std, n)`),
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Encoder'), g.fusions.map((f) => h('th', { scope: 'col' }, fusionLabel(f))))),
            h(
              'tbody',
              null,
              g.encoders.map((encoder, i) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, encoderLabel(encoder)),
                  g.points[i].map((point, j) => {
                    const td = h('td', { class: 'cell' });
                    if (!point) return (td.textContent = MISSING), td;
                    const key = `${g.dataset}/${encoder}/${g.fusions[j]}`;
                    td.dataset['point'] = key;
                    buildCell(td, key);
                    return td;
                  }),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    paintCells();
  }

  function pointRuns(key: string): RunSummary[] {
    return [...runs.values()].filter((r) => pointKey(r) === key).sort(byRepeatAndSeed);
  }

  /** A cell's frame: its figures (filled by paintCells) and one square per run, linking to it. */
  function buildCell(td: HTMLTableCellElement, key: string): void {
    const figures = h('div');
    const squares = pointRuns(key).map((r) => {
      const square = h('a', { class: 'square', href: href({ name: 'run', id: r.id }) }, '');
      paintSquare(square, r);
      squareOf.set(r.id, square);
      return square;
    });
    replace(td, figures, h('div', { class: 'squares' }, squares));
    cellOf.set(key, { td, figures });
  }

  function paintSquare(square: HTMLAnchorElement, r: RunSummary): void {
    square.className = `square status-${r.status}`;
    square.title = `${r.cellKey}: ${r.status}${r.metrics ? `, SRCC ${formatNumber(r.metrics.srcc)}` : ''}`;
    square.setAttribute('aria-label', `${r.cellKey}: ${r.status}`);
  }

  /** Every cell's mean ± std, running epochs and counts, coloured over the sweep's current range. */
  function paintCells(): void {
    const byPoint = new Map<string, RunSummary[]>();
    for (const r of runs.values()) {
      const key = pointKey(r);
      const list = byPoint.get(key);
      if (list) list.push(r);
      else byPoint.set(key, [r]);
    }
    for (const list of byPoint.values()) list.sort(byRepeatAndSeed);
    const cells = [...cellOf].map(([key, frame]) => ({ frame, cell: heatCell({ runs: byPoint.get(key) ?? [] }, metric) }));
    const range = heatRange(cells.map((c) => c.cell));
    for (const { frame, cell } of cells) {
      frame.td.style.background = heatColour(cell.stat.mean, range, metric) ?? '';
      frame.td.style.color = heatTextColour(cell.stat.mean, range, metric);
      replace(
        frame.figures,
        h('div', { class: 'cell-value' }, formatStat(cell.stat)),
        cell.running.length ? h('div', { class: 'cell-running' }, `training: epoch ${cell.running.join(', ')}`) : null,
        cell.pending || cell.failed ? h('div', { class: 'cell-other' }, [cell.pending ? `${cell.pending} pending` : '', cell.failed ? `${cell.failed} failed` : ''].filter(Boolean).join(', ')) : null,
      );
    }
  }

  function runCells(r: RunSummary): (Node | string)[] {
    return [
      h('a', { href: href({ name: 'run', id: r.id }) }, r.cellKey),
      statusBadge(r.status),
      `${r.epochsDone}/${r.epochs}`,
      runMetric(r, 'srcc'),
      runMetric(r, 'plcc'),
      formatText(r.attempts),
      formatText(r.backend),
      h('span', { class: 'nowrap' }, formatElapsed(r.startedAt, r.finishedAt)),
      // An error belongs to a failed or cancelled attempt: a re-run cell shows none while it runs.
      r.error && (r.status === 'failed' || r.status === 'cancelled') ? h('span', { class: 'error-text', title: r.error }, r.error.length > 80 ? `${r.error.slice(0, 80)}…` : r.error) : MISSING,
    ];
  }

  function checkbox(r: RunSummary): HTMLInputElement {
    const chosenIds = chosen ?? new Set<string>();
    return h('input', {
      type: 'checkbox',
      'aria-label': `Choose ${r.cellKey}`,
      checked: chosenIds.has(r.id),
      onchange: (event: Event) => {
        const box = event.target as HTMLInputElement;
        if (box.checked) chosenIds.add(r.id);
        else chosenIds.delete(r.id);
        renderToolbar();
        void refreshCurves();
      },
    });
  }

  function fillRow(tr: HTMLTableRowElement, r: RunSummary): void {
    replace(tr, h('td', null, checkbox(r)), runCells(r).map((c) => h('td', null, c)));
  }

  /**
   * Replaces only the cells whose content changed (an epoch's update changes one or two of ten),
   * and never the checkbox, which holds the reader's choice. A large sweep's rows out of view are
   * not in the page (see virtualRows): they are built from `runs` when scrolled to.
   */
  function patchRow(r: RunSummary): void {
    const tr = rowOf.get(r.id);
    if (!tr) return;
    runCells(r).forEach((content, i) => {
      const fresh = h('td', null, content);
      const current = tr.cells[i + 1];
      if (!current) tr.appendChild(fresh);
      else if (!current.isEqualNode(fresh)) current.replaceWith(fresh);
    });
  }

  const toolbar = h('p', { class: 'toolbar' });
  function renderToolbar(): void {
    const ids = [...(chosen ?? [])];
    replace(
      toolbar,
      `${ids.length} chosen (curves above show the first ${MAX_CURVES}). `,
      ids.length >= 2 ? h('a', { class: 'button', href: href({ name: 'compare', ids, filters: [], groupBy: '' }) }, 'Compare chosen runs') : h('span', { class: 'muted' }, 'Choose two or more to compare.'),
    );
  }

  /** Stops the current virtual table's scroll and resize observers (a new snapshot builds another). */
  let unmountRows: (() => void) | null = null;
  ctx.onDispose(() => unmountRows?.());

  function renderRuns(): void {
    rowOf.clear();
    renderToolbar();
    const head = h('thead', null, h('tr', null, RUN_COLUMNS.map((c) => h('th', { scope: 'col' }, c))));
    const body = h('tbody');
    const table = h('table', { id: 'runs-table' }, head, body);
    const wrap = h('div', { class: 'table-wrap' }, table);
    replace(runsSection, h('h2', null, 'Runs'), toolbar, wrap);
    unmountRows?.();
    unmountRows = null;
    if (runs.size <= PLAIN_TABLE_MAX_RUNS) {
      for (const r of runs.values()) body.appendChild(rowElement(r));
      return;
    }
    wrap.classList.add('runs-scroll');
    virtualRows(wrap, head, body, [...runs.keys()]);
  }

  function rowElement(r: RunSummary): HTMLTableRowElement {
    const tr = h('tr', { 'data-run': r.id });
    fillRow(tr, r);
    rowOf.set(r.id, tr);
    return tr;
  }

  /**
   * The rows of `ids` in view of `scroller`, between spacer rows that keep the scroll height. The
   * rows start below the (sticky) head: its height is the list's margin in the scroller.
   */
  function virtualRows(scroller: HTMLElement, head: HTMLElement, body: HTMLElement, ids: string[]): void {
    const spacer = (px: number) => (px > 0 ? [h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: RUN_COLUMNS.length, style: `height: ${px}px` }))] : []);
    const margin = head.offsetHeight;
    function draw(list: VirtualList): void {
      const items = list.getVirtualItems();
      rowOf.clear();
      const rows = items.flatMap((item) => {
        const run = runs.get(ids[item.index] ?? '');
        return run ? [rowElement(run)] : [];
      });
      // Item offsets count from the scroller's top (the margin included); the total does not.
      const top = (items[0]?.start ?? margin) - margin;
      const bottom = list.getTotalSize() - ((items.at(-1)?.end ?? margin) - margin);
      body.replaceChildren(...spacer(top), ...rows, ...spacer(bottom));
    }
    unmountRows?.();
    unmountRows = mountVirtualList({ scroller, count: ids.length, rowHeight: ROW_HEIGHT, overscan: 10, scrollMargin: margin, draw }).unmount;
  }

  function runMetric(r: RunSummary, m: 'srcc' | 'plcc'): HTMLElement | string {
    const text = formatNumber(r.metrics?.[m]);
    return r.metrics && r.reportRule === 'best-on-test' ? h('span', null, text, ' ', flag('optimistic')) : text;
  }

  let curvesPending = false;
  async function refreshCurves(): Promise<void> {
    // One refresh at a time; changes that arrive meanwhile are picked up by the next one.
    if (curvesPending) return;
    curvesPending = true;
    try {
      await drawCurves();
    } finally {
      curvesPending = false;
    }
  }

  async function drawCurves(): Promise<void> {
    const ids = [...(chosen ?? [])].filter((id) => runs.has(id)).slice(0, MAX_CURVES);
    if (ids.length === 0) {
      curvesNote.textContent = 'Choose runs in the table below to see their epoch curves.';
      curves.replaceChildren();
      return;
    }
    curvesNote.textContent = 'Test SRCC per epoch of the chosen runs.';
    const stale = ids.filter((id) => {
      const cached = curveCache.get(id);
      const current = runs.get(id);
      return !cached || !current || cached.status !== current.status || cached.epochsDone !== current.epochsDone;
    });
    try {
      const fetched = await Promise.all(
        stale.map(async (id) => {
          const { status, epochsDone } = runs.get(id) as RunSummary;
          return [id, { status, epochsDone, epochs: await ctx.api.allEpochs(id, ctx.signal) }] as const;
        }),
      );
      for (const [id, curve] of fetched) curveCache.set(id, curve);
    } catch (error) {
      if (!isAbort(error)) replace(message, errorBox(error, 'Loading epoch curves'));
      return;
    }
    const shown = ids.flatMap((id) => {
      const curve = curveCache.get(id);
      const run = runs.get(id);
      return curve && run ? [{ label: run.cellKey, epochs: curve.epochs }] : [];
    });
    await drawPlot(ctx, curves, overlaidCurves(shown, 'testSrcc'), {
      xaxis: epochAxis(shown.flatMap((c) => c.epochs.map((e) => e.epoch))),
      yaxis: { title: { text: 'test SRCC' } },
      height: 360,
    });
  }

  let following: AbortController | null = null;
  function follow(): void {
    following?.abort();
    const controller = new AbortController();
    following = controller;
    ctx.signal.addEventListener('abort', () => controller.abort());
    connection.textContent = 'live';
    void followEvents(ctx.api.eventsUrl('sweeps', route.id), {
      tokens: ctx.tokens,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'snapshot') onSnapshot(event.data as SweepSnapshotEvent);
        else if (event.type === 'runs') onRuns((event.data as { runs: RunSummary[] }).runs);
        else if (event.type === 'sweep') onSweep(event.data as SweepStateEvent);
        else if (event.type === 'end') connection.textContent = 'finished';
      },
      onReconnecting: (reason) => {
        connection.textContent = `reconnecting (${reason})`;
        if (sweep === null) replace(ctx.root, pageHeader('Sweep'), errorBox(new Error(reason), 'Loading the sweep'));
      },
    });
  }

  follow();
}
