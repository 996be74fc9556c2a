import type { DatasetItemPage, DatasetMos, DatasetRow } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { formatNumber, formatText } from '../model/format.js';
import { actionButton, errorBox, keyValues, loading, pageHeader, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { select } from '../ui/form.js';
import { drawPlot } from '../ui/plot.js';

/** Items per page of the items table. */
const ITEMS_PAGE = 50;

/**
 * One dataset: what it is (format, root, content hash, runs that used it), the MOS histogram per
 * label, overall and per generator (`GET /api/datasets/:id/mos`), its items with prompts a page at
 * a time, and archive / delete (refused while runs use it).
 */
export async function datasetView(ctx: ViewContext, route: Extract<Route, { name: 'dataset' }>): Promise<void> {
  replace(ctx.root, pageHeader('Dataset'), loading());
  let dataset: DatasetRow;
  let mos: DatasetMos;
  try {
    [dataset, mos] = await Promise.all([ctx.api.getDataset(route.id, ctx.signal), ctx.api.datasetMos(route.id, ctx.signal)]);
  } catch (error) {
    if (!isAbort(error)) replace(ctx.root, pageHeader('Dataset'), errorBox(error, 'Loading the dataset'));
    return;
  }
  const message = h('div', { 'aria-live': 'polite' });
  const histogram = h('div', { class: 'plot', id: 'dataset-histogram' });
  const labelSelect = select('label', mos.labels.map((l) => ({ value: l.label, label: l.label })), mos.labels[0]?.label ?? '');
  labelSelect.id = 'dataset-label';
  const bySelect = select('by', [{ value: 'all', label: 'all items' }, { value: 'generator', label: 'per generator' }], 'generator');
  bySelect.id = 'dataset-by';
  const items = h('section', { 'aria-label': 'Items' });

  const drawHistogram = () => {
    const label = mos.labels.find((l) => l.label === labelSelect.value);
    if (!label) return Promise.resolve();
    const centres = label.edges.slice(0, -1).map((e, i) => (e + label.edges[i + 1]) / 2);
    const series = bySelect.value === 'all' ? [{ name: 'all items', counts: label.counts }] : label.byGenerator.map((g) => ({ name: g.generator, counts: g.counts }));
    return drawPlot(
      ctx,
      histogram,
      series.map((s) => ({ type: 'bar', name: s.name, x: centres, y: s.counts, width: (label.edges[1] - label.edges[0]) * 0.95 })),
      { barmode: bySelect.value === 'all' ? 'group' : 'stack', xaxis: { title: { text: `MOS (${label.label})` } }, yaxis: { title: { text: 'items' } }, height: 380 },
    );
  };
  labelSelect.addEventListener('change', () => void drawHistogram());
  bySelect.addEventListener('change', () => void drawHistogram());

  replace(
    ctx.root,
    pageHeader(
      dataset.name,
      actionButton(dataset.archived ? 'Unarchive' : 'Archive', async () => {
        await ctx.api.archive('datasets', dataset.id, !dataset.archived);
        ctx.notify(dataset.archived ? 'Unarchived' : 'Archived');
        ctx.navigate({ name: 'dataset', id: dataset.id });
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }, (e) => replace(message, errorBox(e, 'Archiving'))),
      actionButton('Delete', async () => {
        if (!window.confirm(`Delete dataset ${dataset.name} and its items and splits? (Refused while runs use it.)`)) return;
        await ctx.api.remove('datasets', dataset.id);
        ctx.notify(`Deleted ${dataset.name}`);
        ctx.navigate({ name: 'datasets' });
      }, (e) => replace(message, errorBox(e, 'Deleting')), { class: 'danger' }),
    ),
    message,
    keyValues([
      ['Format', dataset.format],
      ['Root', h('code', null, dataset.root)],
      ['Items', String(dataset.itemCount)],
      ['Prompts', formatText(dataset.summary.prompts)],
      ['Labels', dataset.labels.join(', ')],
      ['Content hash', h('code', null, dataset.contentHash.slice(0, 16))],
      ['Runs', h('a', { href: href({ name: 'explorer', query: { filters: [`dataset=${dataset.name}`], sort: '', groupBy: '', archived: 'include' } }) }, `${dataset.runCount} run(s)`)],
      ['Archived', dataset.archived ? 'yes' : 'no'],
    ]),
    h('h2', null, 'MOS distribution'),
    h('div', { class: 'toolbar' }, h('label', { for: 'dataset-label' }, 'Label '), labelSelect, h('label', { for: 'dataset-by' }, ' Show '), bySelect),
    histogram,
    h('h2', null, 'Items'),
    items,
  );
  await drawHistogram();
  await renderItems(ctx, items, dataset, 0);
}

async function renderItems(ctx: ViewContext, root: HTMLElement, dataset: DatasetRow, offset: number): Promise<void> {
  let page: DatasetItemPage;
  try {
    page = await ctx.api.datasetItems(dataset.id, { limit: ITEMS_PAGE, offset }, ctx.signal);
  } catch (error) {
    if (!isAbort(error)) replace(root, errorBox(error, 'Loading items'));
    return;
  }
  const labels = dataset.labels;
  const pager = h(
    'p',
    { class: 'toolbar' },
    `${offset + 1}–${offset + page.items.length} of ${page.total}`,
    h('button', { type: 'button', disabled: offset === 0, onclick: () => void renderItems(ctx, root, dataset, Math.max(0, offset - ITEMS_PAGE)) }, 'Previous'),
    h('button', { type: 'button', disabled: offset + page.items.length >= page.total, onclick: () => void renderItems(ctx, root, dataset, offset + ITEMS_PAGE) }, 'Next'),
  );
  replace(
    root,
    pager,
    table(
      ['#', 'Image', 'Generator', 'Prompt', ...labels.map((l) => `MOS ${l}`)],
      page.items.map((item) => [String(item.position), h('code', null, item.key), item.generator, item.prompt, ...labels.map((l) => formatNumber(item.mos[l] ?? null, 3))]),
      { id: 'dataset-items' },
    ),
  );
}
