import { collectPages, PAGE_LIMITS, type EpochMetricRow, type Prediction, type RunDetail } from '@agiqa/contracts';
import { ApiError } from '../api/client.js';
import { href, type Route } from '../app/routes.js';
import { isAbort, poll, type ViewContext } from '../app/view.js';
import { predictionScatter, runCurves } from '../model/curves.js';
import { formatDate, formatElapsed, formatNumber, formatText, MISSING } from '../model/format.js';
import { encoderLabel, fusionLabel, isTinyEncoder } from '../model/labels.js';
import { isActive } from '../model/status.js';
import { errorBox, flag, FLAG_HELP, keyValues, loading, pageHeader, statusBadge, table } from '../ui/components.js';
import { h, replace, type Child } from '../ui/dom.js';
import { drawPlot } from '../ui/plot.js';

/** A JSON value as readable text: scalars as-is, objects as indented JSON. */
function jsonValue(value: unknown): Child {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === 'object') return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
  return formatText(value);
}

/**
 * One run: config, attempts, backend and machine, epoch curves (polled while running) and the
 * reported epoch's predictions against MOS.
 */
export async function runDetailView(ctx: ViewContext, route: Extract<Route, { name: 'run' }>): Promise<void> {
  let run: RunDetail | null = null;
  let epochs: EpochMetricRow[] = [];
  let predictionsShownFor: string | null = null;
  const head = h('div');
  const message = h('div', { 'aria-live': 'polite' });
  const facts = h('section', { 'aria-label': 'Run' });
  const curves = h('div', { class: 'plot', id: 'run-curves' });
  const curvesNote = h('p', { class: 'muted' });
  // Hidden until there is something to draw: an empty framed box reads as a broken chart.
  const scatter = h('div', { class: 'plot', id: 'run-predictions', hidden: true });
  const scatterNote = h('p', { class: 'muted' });
  const lower = h('section', { 'aria-label': 'Configuration and attempts' });
  replace(ctx.root, loading());

  async function load(): Promise<void> {
    try {
      [run, epochs] = await Promise.all([ctx.api.getRun(route.id, ctx.signal), ctx.api.allEpochs(route.id, ctx.signal)]);
    } catch (error) {
      if (isAbort(error)) return;
      if (run === null) replace(ctx.root, pageHeader('Run'), errorBox(error, 'Loading the run'));
      else replace(message, errorBox(error, 'Refreshing'));
      return;
    }
    if (!head.isConnected) {
      replace(
        ctx.root,
        head,
        message,
        facts,
        h('section', { 'aria-label': 'Epoch curves' }, h('h2', null, 'Epoch curves'), curvesNote, curves),
        h('section', { 'aria-label': 'Predictions' }, h('h2', null, 'Predictions vs MOS (test split, reported epoch)'), scatterNote, scatter),
        lower,
      );
    }
    render(run);
    const { data, layout } = runCurves(epochs, run.reportedEpoch);
    curves.hidden = epochs.length === 0;
    curvesNote.textContent = epochs.length === 0 ? 'No epoch finished yet.' : 'The dashed line marks the reported epoch.';
    if (epochs.length > 0) await drawPlot(ctx, curves, data, { ...layout, height: 380 });
    await loadPredictions(run);
  }

  function render(r: RunDetail): void {
    replace(
      head,
      pageHeader(
        `Run ${r.cellKey}`,
        h('a', { class: 'button', href: href({ name: 'sweep', id: r.sweepId }) }, 'Back to the sweep'),
      ),
    );
    replace(
      facts,
      h('div', { class: 'summary-line' }, statusBadge(r.status), ' ', `${r.epochsDone}/${r.epochs} epochs`),
      r.reportRule === 'best-on-test' ? h('p', { class: 'warning' }, flag('optimistic'), ' ', FLAG_HELP.optimistic) : null,
      // A CLIP-IQA run has no text encoder: its image encoder (both CLIP towers) is the fixture or not.
      isTinyEncoder(r.textEncoder ?? '') || (r.textEncoder === null && r.imageEncoder === 'tiny-clip') ? h('p', { class: 'warning' }, flag('tiny'), ' ', FLAG_HELP.tiny) : null,
      r.error ? h('div', { class: 'error-box' }, h('strong', null, 'Error'), h('pre', { class: 'json' }, r.error)) : null,
      h(
        'div',
        { class: 'columns' },
        keyValues([
          ['Dataset', r.dataset],
          ['Text encoder', encoderLabel(r.textEncoder)],
          ['Image encoder', r.imageEncoder],
          ['Fusion', fusionLabel(r.fusion)],
          ['Method', r.method],
          ['Split repeat / seed', `${r.splitRepeat} / ${r.seed ?? '— (zero-shot)'}`],
          ['Training mode', r.trainingMode],
          ['Report rule', r.reportRule],
          ['Reported epoch', formatText(r.reportedEpoch)],
        ]),
        keyValues([
          ['SRCC', formatNumber(r.metrics?.srcc)],
          ['PLCC', formatNumber(r.metrics?.plcc)],
          ['PLCC (logistic fit)', formatNumber(r.metrics?.plccLogistic)],
          ['KRCC', formatNumber(r.metrics?.krcc)],
          ['RMSE', formatNumber(r.metrics?.rmse)],
          ['Engine', r.engine ? `${r.engine} ${formatText(r.engineVersion)} (${formatText(r.backend)})` : MISSING],
          ['Device', r.device ? `${r.device === 'cuda' ? 'GPU' : 'CPU'}: ${formatText(r.deviceName)}` : MISSING],
          ['Dtype', formatText(r.dtype)],
          ['Attempts', formatText(r.attempts)],
          ['Time', formatElapsed(r.startedAt, r.finishedAt)],
        ]),
        keyValues([
          ['Started', formatDate(r.startedAt)],
          ['Finished', formatDate(r.finishedAt)],
          ['Split', r.split ? `${r.split.unit}: ${r.split.train} train / ${r.split.val} val / ${r.split.test} test (seed ${r.split.seed}, repeat ${r.split.repeat})` : MISSING],
          ['Split hash', r.split ? h('code', null, r.split.hash.slice(0, 16)) : MISSING],
          ['Workflow', r.workflowId ? h('code', null, r.workflowId) : MISSING],
          ['Checkpoint', r.checkpointKey ? h('code', null, r.checkpointKey) : MISSING],
          ['Reported-epoch checkpoint', r.reportedCheckpointKey ? h('code', null, r.reportedCheckpointKey) : MISSING],
        ]),
      ),
    );
    replace(
      lower,
      h('h2', null, 'Machine'),
      r.machine ? keyValues(Object.entries(r.machine).map(([k, v]) => [k, jsonValue(v)])) : h('p', { class: 'muted' }, 'Not recorded yet (set when training starts).'),
      h('h2', null, 'Attempts'),
      r.attemptsLog.length
        ? table(
            ['Attempt', 'Status', 'Workflow', 'Started', 'Finished', 'Error'],
            r.attemptsLog.map((a) => [formatText(a.attempt), statusBadge(a.status), h('code', null, a.workflowId), formatDate(a.startedAt), formatDate(a.finishedAt), a.error ?? MISSING]),
            { id: 'attempts-table' },
          )
        : h('p', { class: 'muted' }, 'No attempt started yet.'),
      h('h2', null, 'Configuration'),
      keyValues(Object.entries(r.config).map(([k, v]) => [k, jsonValue(v)])),
    );
  }

  async function loadPredictions(r: RunDetail): Promise<void> {
    // Predictions land once, with the final metrics: fetch when the run completed, once.
    if (r.status !== 'completed') {
      scatterNote.textContent = 'Predictions are recorded when the run completes.';
      return;
    }
    if (predictionsShownFor === r.id) return;
    let predictions: { items: Prediction[]; total: number };
    try {
      const limit = PAGE_LIMITS.predictions.maxLimit;
      predictions = await collectPages((offset) => ctx.api.getPredictions(r.id, { limit, offset }, ctx.signal));
    } catch (error) {
      if (isAbort(error)) return;
      if (error instanceof ApiError && error.code === 'not_found') scatterNote.textContent = 'No predictions were recorded for this run.';
      else replace(scatterNote, errorBox(error, 'Loading predictions'));
      return;
    }
    predictionsShownFor = r.id;
    // A value that was not finite (a diverged head) has no point to draw.
    const points = predictions.items.filter((p): p is Prediction & { predicted: number; mos: number } => p.predicted !== null && p.mos !== null);
    const dropped = predictions.total - points.length;
    scatterNote.textContent = `${points.length} test items of ${r.dataset}, coloured by generator.${dropped > 0 ? ` ${dropped} prediction(s) were not finite and are not drawn.` : ''}`;
    if (points.length === 0) return;
    scatter.hidden = false;
    await drawPlot(ctx, scatter, predictionScatter(points), {
      xaxis: { title: { text: 'MOS' } },
      yaxis: { title: { text: 'predicted' } },
      height: 420,
      hovermode: 'closest',
    });
  }

  await load();
  if (run !== null) poll(ctx, 2000, load, () => run !== null && isActive(run.status));
}
