import { PAPER_DATASET_COLUMNS, type DatasetRow, type FigureFlag, type PaperDatasetColumn } from '@agiqa/contracts';
import type { TableQuery } from '../api/client.js';
import { href, TABLE_KEYS, tableRoute, type Route, type TableKey } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { MISSING } from '../model/format.js';
import { table2Bars, table2View, table3View, timingBars, timingRows, type FigureView } from '../model/paper-tables.js';
import { sharedRange, table1Heatmap, table1View, type Metric, type Table1View } from '../model/table1.js';
import { errorBox, flag, FLAG_HELP, loading, pageHeader, table } from '../ui/components.js';
import { h, replace, type Child } from '../ui/dom.js';
import { select } from '../ui/form.js';
import { drawPlot } from '../ui/plot.js';
import { comparePanel, exportBar, routeQuery, settingControls, tableFacts } from './table-controls.js';

const TAB_LABEL: Record<TableKey, string> = { '1': 'Table 1: encoder × fusion', '2': 'Table 2: methods × datasets', '3': 'Table 3: AGI methods', timing: 'Timing' };

type TableRoute = Extract<Route, { name: 'table' }>;

/**
 * The paper's tables rebuilt from Postgres, each beside the paper's reported figures, with the
 * setting / sweep picker, the PLCC variant, in-progress sweeps on request, and exports.
 */
export async function tablesView(ctx: ViewContext, route: TableRoute): Promise<void> {
  // Switching tables keeps the setting, sweep, PLCC and in-progress choices (not Table 1's dataset).
  const carried = { setting: route.setting, sweep: route.sweep, plcc: route.plcc, inProgress: route.inProgress };
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Tables' },
    TABLE_KEYS.map((key) => h('a', { href: href(tableRoute(key, key === 'timing' ? { inProgress: route.inProgress } : carried)), class: key === route.table ? 'tab active' : 'tab', 'aria-current': key === route.table ? 'page' : null }, TAB_LABEL[key])),
  );
  const body = h('div', null, loading());
  replace(ctx.root, pageHeader('Paper tables'), tabs, body);
  try {
    if (route.table === '1') await renderTable1(ctx, body, route);
    else if (route.table === '2') await renderTable2(ctx, body, route);
    else if (route.table === '3') await renderTable3(ctx, body, route);
    else await renderTiming(ctx, body, route);
  } catch (error) {
    if (!isAbort(error)) replace(body, errorBox(error, `Loading ${TAB_LABEL[route.table]}`));
  }
}

function flagLegend(flags: readonly ('optimistic' | 'uncertain' | 'conflict' | 'tiny' | 'published' | 'inProgress')[]): HTMLElement | null {
  if (flags.length === 0) return null;
  return h('ul', { class: 'flag-legend' }, flags.map((f) => h('li', null, flag(f), ' ', FLAG_HELP[f])));
}

function figureCell(figure: FigureView | null): Child {
  if (!figure) return MISSING;
  const title = figure.note ?? (figure.source === 'measured' ? `${figure.runs} replicate(s) on ${figure.dataset ?? 'unknown dataset'}` : FLAG_HELP[figure.source]);
  return h(
    'span',
    { class: `figure source-${figure.source}`, title },
    h('span', { class: 'num' }, `${figure.srcc} / ${figure.plcc}`),
    figure.source === 'measured' ? h('span', { class: 'muted small' }, ` n=${figure.runs}${figure.delta ? `, Δ ${figure.delta}` : ''}`) : null,
    ' ',
    flag(figure.source),
    figure.flags.map((f: FigureFlag) => [' ', flag(f, figure.note ?? undefined)]),
    figure.inProgress ? [' ', flag('inProgress')] : null,
  );
}

// --- Table 1 -------------------------------------------------------------------------------------

async function renderTable1(ctx: ViewContext, root: HTMLElement, route: TableRoute): Promise<void> {
  const query = routeQuery(route);
  const [t1, datasets] = await Promise.all([ctx.api.table1(query, ctx.signal), ctx.api.listDatasets(ctx.signal)]);
  const settings = await ctx.api.tableSettings({ dataset: t1.dataset, inProgress: route.inProgress }, ctx.signal);
  const view = table1View(t1);
  let metric: Metric = 'srcc';

  const picker = select(
    'dataset',
    [...(t1.dataset === null ? [{ value: '', label: 'no dataset with runs' }] : []), ...datasets.map((d) => ({ value: d.name, label: `${d.name} (${d.format})` }))],
    t1.dataset ?? '',
  );
  picker.id = 'table1-dataset';
  // Another dataset: the sweep picked belongs to this one, so the pick starts over.
  picker.addEventListener('change', () => ctx.navigate({ ...route, dataset: picker.value || null, sweep: null }));
  const metricPick = select('metric', [{ value: 'srcc', label: 'SRCC' }, { value: 'plcc', label: 'PLCC' }], metric);
  metricPick.id = 'table1-metric';
  const plot = h('div', { class: 'plot', id: 'table1-heatmap' });
  metricPick.addEventListener('change', () => {
    metric = metricPick.value as Metric;
    void drawHeatmap(ctx, plot, view, metric);
  });

  const format = datasets.find((d: DatasetRow) => d.name === t1.dataset)?.format;
  const flags = [
    ...(view.anyOptimistic ? (['optimistic'] as const) : []),
    ...(view.anyInProgress ? (['inProgress'] as const) : []),
    ...(view.anyUncertain ? (['uncertain'] as const) : []),
    ...(view.anyTiny ? (['tiny'] as const) : []),
  ];
  replace(
    root,
    h('div', { class: 'toolbar' }, h('label', { for: 'table1-dataset' }, 'Dataset '), picker, ' ', h('label', { for: 'table1-metric' }, 'Heatmap metric '), metricPick),
    settingControls(ctx, route, settings, "default: the paper's protocol, else the latest run's setting"),
    h('p', { class: 'muted' }, 'Ours: mean ± sample std over replicates (seed × split repeat; a re-run of the same replicate counts once), n, and Δ = ours − paper. Paper: reported on AGIQA-3K. Each cell reads SRCC / PLCC.'),
    tableFacts(t1),
    format && format !== 'agiqa3k' ? h('p', { class: 'warning' }, `${t1.dataset} is not an AGIQA-3K dataset: the paper's figures beside it are for AGIQA-3K.`) : null,
    view.hasResults ? null : h('p', { class: 'empty' }, 'No completed runs in this setting yet: only the paper’s figures are shown.'),
    table1Table(view),
    flagLegend(flags),
    exportBar(ctx, '1', query),
    plot,
    comparePanel(ctx, route, t1.selection, settings, t1.dataset),
  );
  await drawHeatmap(ctx, plot, view, metric);
}

function table1Table(view: Table1View): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: 'table1', class: 'paper-table' },
      h('caption', null, `Table 1: text encoder × fusion${view.dataset ? ` on ${view.dataset}` : ''} (SRCC / PLCC)`),
      h(
        'thead',
        null,
        h('tr', null, h('th', { scope: 'col', rowspan: 2 }, 'Text encoder'), view.fusions.map((f) => h('th', { scope: 'colgroup', colspan: 2 }, f.label))),
        h('tr', null, view.fusions.map(() => [h('th', { scope: 'col' }, 'Ours'), h('th', { scope: 'col' }, 'Paper')])),
      ),
      h(
        'tbody',
        null,
        view.rows.map((row) =>
          h(
            'tr',
            { 'data-encoder': row.textEncoder, class: row.tiny ? 'tiny' : null },
            h('th', { scope: 'row' }, row.label, row.tiny ? [' ', flag('tiny')] : null),
            row.cells.map((c) => [
              h(
                'td',
                { 'data-fusion': c.fusion, 'data-source': 'ours' },
                c.ours
                  ? [
                      h('span', { class: 'num' }, `${c.ours.srcc} / ${c.ours.plcc}`),
                      h('span', { class: 'muted small' }, ` n=${c.ours.n}${c.ours.delta ? `, Δ ${c.ours.delta}` : ''}`),
                      c.ours.optimistic ? [' ', flag('optimistic')] : null,
                      c.ours.inProgress ? [' ', flag('inProgress')] : null,
                    ]
                  : MISSING,
              ),
              h(
                'td',
                { 'data-fusion': c.fusion, 'data-source': 'paper', class: 'reported' },
                c.reported ? [h('span', { class: 'num' }, `${c.reported.srcc} / ${c.reported.plcc}`), c.reported.uncertain ? [' ', flag('uncertain')] : null] : MISSING,
              ),
            ]),
          ),
        ),
      ),
    ),
  );
}

async function drawHeatmap(ctx: ViewContext, el: HTMLElement, view: Table1View, metric: Metric): Promise<void> {
  const ours = table1Heatmap(view, metric, 'ours');
  const paper = table1Heatmap(view, metric, 'reported');
  const range = sharedRange(ours, paper);
  const common = { type: 'heatmap' as const, colorscale: 'Viridis', texttemplate: '%{text}', hoverongaps: false, zmin: range?.min, zmax: range?.max };
  await drawPlot(
    ctx,
    el,
    [
      { ...common, x: ours.x, y: ours.y, z: ours.z, text: ours.text, name: 'ours', xaxis: 'x', yaxis: 'y', colorbar: { title: { text: metric.toUpperCase() } } },
      { ...common, x: paper.x, y: paper.y, z: paper.z, text: paper.text, name: 'paper', xaxis: 'x2', yaxis: 'y2', showscale: false },
    ],
    {
      height: 360,
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      xaxis: { domain: [0, 0.44] },
      xaxis2: { domain: [0.56, 1] },
      yaxis: { automargin: true },
      yaxis2: { automargin: true, anchor: 'x2' },
      margin: { l: 10, r: 10, t: 40, b: 40 },
      annotations: [
        { text: `Ours (${view.dataset ?? 'no data'}) ${metric.toUpperCase()}`, xref: 'paper', yref: 'paper', x: 0.22, y: 1.1, showarrow: false, xanchor: 'center' },
        { text: `Paper (AGIQA-3K) ${metric.toUpperCase()}`, xref: 'paper', yref: 'paper', x: 0.78, y: 1.1, showarrow: false, xanchor: 'center' },
      ],
    },
  );
}

// --- Table 2 -------------------------------------------------------------------------------------

/** Labels of the paper's dataset columns, for the pickers. */
const PAPER_COLUMN_LABEL: Record<PaperDatasetColumn, string> = { agiqa3k: 'AGIQA-3K', aigciqa2023: 'AIGCIQA2023', pku_i2iqa: 'PKU-I2IQA' };

/**
 * Selects that say which registered dataset stands for each of the paper's datasets ("automatic":
 * the API's choice). A change re-renders the table with the new choice.
 */
function datasetPickers(columns: readonly PaperDatasetColumn[], datasets: readonly DatasetRow[], chosen: TableQuery, shown: Partial<Record<PaperDatasetColumn, string | null>>, onChange: (next: TableQuery) => void): HTMLElement {
  return h(
    'div',
    { class: 'toolbar' },
    columns.map((key) => {
      const el = select(key, [{ value: '', label: `automatic${shown[key] ? ` (${shown[key]})` : ''}` }, ...datasets.map((d) => ({ value: d.name, label: `${d.name} (${d.format})` }))], chosen[key] ?? '');
      el.id = `pick-${key}`;
      el.addEventListener('change', () => onChange({ ...chosen, [key]: el.value || undefined }));
      return h('span', { class: 'picker' }, h('label', { for: el.id }, `${PAPER_COLUMN_LABEL[key]} runs from `), el);
    }),
  );
}

async function renderTable2(ctx: ViewContext, root: HTMLElement, route: TableRoute, chosen: TableQuery = {}): Promise<void> {
  const query = { ...routeQuery(route), ...chosen };
  const [t2, datasets, settings] = await Promise.all([ctx.api.table2(query, ctx.signal), ctx.api.listDatasets(ctx.signal), ctx.api.tableSettings({ inProgress: route.inProgress }, ctx.signal)]);
  const view = table2View(t2);
  const rerender = (next: TableQuery) => {
    renderTable2(ctx, root, route, next).catch((error: unknown) => {
      if (!isAbort(error)) replace(root, errorBox(error, 'Loading Table 2'));
    });
  };
  const pickers = datasetPickers(PAPER_DATASET_COLUMNS, datasets, chosen, Object.fromEntries(t2.columns.map((c) => [c.key, c.dataset])), rerender);
  const plot = h('div', { class: 'plot', id: 'table2-bars' });
  const columnPick = select('column', view.columns.map((c) => ({ value: c.key, label: c.label })), view.columns[0]?.key ?? '');
  columnPick.id = 'table2-column';
  const draw = () =>
    drawPlot(ctx, plot, table2Bars(t2, columnPick.value), {
      barmode: 'group',
      height: 420,
      yaxis: { title: { text: 'SRCC' } },
      xaxis: { automargin: true, tickangle: -40 },
      margin: { l: 60, r: 20, t: 80, b: 40 },
      title: { text: `SRCC on ${view.columns.find((c) => c.key === columnPick.value)?.label ?? ''}` },
    });
  columnPick.addEventListener('change', () => void draw());

  const width = view.columns.length + 1;
  replace(
    root,
    h('p', { class: 'muted' }, 'Rows the platform cannot run show the paper’s figures, marked reported. Each cell reads SRCC / PLCC. ', t2.rule),
    settingControls(ctx, route, settings, "default: the paper's protocol"),
    pickers,
    tableFacts(t2),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'table2', class: 'paper-table' },
        h('caption', null, 'Table 2: methods × datasets (SRCC / PLCC)'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Method'),
            view.columns.map((c) => h('th', { scope: 'col' }, c.label, h('div', { class: 'muted small' }, c.dataset ? `measured on ${c.dataset}` : 'no dataset registered'))),
          ),
        ),
        view.groups.map((g) =>
          h(
            'tbody',
            null,
            h('tr', { class: 'group' }, h('th', { scope: 'colgroup', colspan: width }, g.label)),
            g.rows.map((r) =>
              h(
                'tr',
                { class: r.proposed ? 'proposed' : null, 'data-method': r.method, 'data-source': r.source },
                h('th', { scope: 'row' }, r.method, r.config ? h('div', { class: 'muted small' }, r.config) : null),
                r.cells.map((c) => h('td', null, figureCell(c))),
              ),
            ),
          ),
        ),
      ),
    ),
    flagLegend(view.flags),
    exportBar(ctx, '2', query),
    h('div', { class: 'toolbar' }, h('label', { for: 'table2-column' }, 'Chart column '), columnPick),
    plot,
  );
  await draw();
}

// --- Table 3 -------------------------------------------------------------------------------------

async function renderTable3(ctx: ViewContext, root: HTMLElement, route: TableRoute, chosen: TableQuery = {}): Promise<void> {
  const query = { ...routeQuery(route), ...chosen };
  const [t3, datasets, settings] = await Promise.all([ctx.api.table3(query, ctx.signal), ctx.api.listDatasets(ctx.signal), ctx.api.tableSettings({ inProgress: route.inProgress }, ctx.signal)]);
  const view = table3View(t3);
  const flags = [...new Set(view.rows.flatMap((r) => r.figure?.flags ?? []))];
  const rerender = (next: TableQuery) => {
    renderTable3(ctx, root, route, next).catch((error: unknown) => {
      if (!isAbort(error)) replace(root, errorBox(error, 'Loading Table 3'));
    });
  };
  const published = view.rows.filter((r) => r.citation);
  replace(
    root,
    settingControls(ctx, route, settings, "default: the paper's protocol"),
    datasetPickers(['agiqa3k'], datasets, chosen, { agiqa3k: t3.dataset }, rerender),
    h('p', { class: 'muted' }, `AGI-specific methods on AGIQA-3K${view.dataset ? ` (measured rows from ${view.dataset})` : ''}. `, view.rule),
    tableFacts(t3),
    table(
      ['Method', 'SRCC / PLCC'],
      view.rows.map((r) => [h('span', { class: r.proposed ? 'proposed' : null, 'data-source': r.source }, r.method, r.proposed ? ' (proposed)' : ''), figureCell(r.figure)]),
      { id: 'table3', caption: 'Table 3: AGI-specific methods on AGIQA-3K' },
    ),
    flagLegend([...flags, ...(published.length ? (['published'] as const) : [])]),
    published.length
      ? h('ul', { class: 'citations', id: 'table3-citations' }, published.map((r) => h('li', null, h('strong', null, r.method), `: ${r.citation ?? ''}. Protocol — ${r.protocol ?? 'not stated'}.`)))
      : null,
    exportBar(ctx, '3', query),
  );
}

// --- Timing --------------------------------------------------------------------------------------

async function renderTiming(ctx: ViewContext, root: HTMLElement, route: TableRoute): Promise<void> {
  const timing = await ctx.api.timing({ inProgress: route.inProgress }, ctx.signal);
  const rows = timingRows(timing);
  const plot = h('div', { class: 'plot', id: 'timing-bars' });
  replace(
    root,
    h('p', { class: 'muted' }, `Paper: ${timing.paper.caption}. Ours: median ms per image on the machine named in each row; hardware differs, so compare shapes, not absolute numbers.`),
    rows.some((r) => r.tiny) ? flagLegend(['tiny']) : null,
    tableFacts(timing),
    rows.length === 0 ? h('p', { class: 'empty' }, 'No timing measured yet (run the timing benchmark or a sweep that records timings); the paper’s figures are shown alone.') : null,
    plot,
    rows.length
      ? table(
          ['Text encoder', 'Configuration', 'Machine', 'Ours ms/image', 'Paper ms/image', 'Ours / paper', 'Stages (median / p90 per image)', 'Measurements'],
          rows.map((r) => [
            h('span', null, r.encoder),
            r.config,
            r.machine,
            r.total,
            r.paper,
            r.ratio,
            r.stages.length ? h('details', null, h('summary', null, `${r.stages.length} stages`), h('ul', { class: 'stages' }, r.stages.map((s) => h('li', null, `${s.stage}: ${s.median} / ${s.p90}`)))) : MISSING,
            String(r.measurements),
          ]),
          { id: 'timing-table' },
        )
      : null,
    exportBar(ctx, 'timing', { inProgress: route.inProgress }),
  );
  const { data } = timingBars(timing);
  await drawPlot(ctx, plot, data, { barmode: 'group', height: 400, yaxis: { title: { text: 'ms per image' } }, title: { text: 'Inference time per image by text encoder' } });
}

