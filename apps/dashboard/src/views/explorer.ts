import type { RunGroup, RunList, RunRow } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { configText, explorerParams, formatStat, GROUP_METRICS, splitConditions, type ExplorerQuery } from '../model/explorer.js';
import { formatNumber, formatText } from '../model/format.js';
import { actionButton, errorBox, loading, pageHeader, statusBadge, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { mountVirtualList, type VirtualList } from '../ui/virtual-list.js';

/** Runs fetched per request while scrolling. */
const PAGE = 200;
/** Height of one table row (px); rows are positioned, not laid out, so it must be fixed. */
const ROW_HEIGHT = 30;
/** Groups shown per page (group tables are short: one row per setting). */
const GROUP_PAGE = 500;

interface Column {
  label: string;
  width: string;
  cell(run: RunRow): Node | string;
}

const COLUMNS: Column[] = [
  { label: 'Cell', width: 'minmax(16rem, 2fr)', cell: (r) => h('a', { href: href({ name: 'run', id: r.id }) }, r.cellKey) },
  { label: 'Sweep', width: 'minmax(8rem, 1fr)', cell: (r) => h('a', { href: href({ name: 'sweep', id: r.sweepId }) }, r.sweepName || r.sweepId.slice(0, 8)) },
  { label: 'Status', width: '6.5rem', cell: (r) => statusBadge(r.status) },
  { label: 'Seed', width: '3.5rem', cell: (r) => String(r.seed) },
  { label: 'Epochs', width: '5rem', cell: (r) => `${r.epochsDone}/${r.epochs}` },
  { label: 'lr', width: '5rem', cell: (r) => configText(r.config, 'learningRate') },
  { label: 'SRCC', width: '5rem', cell: (r) => formatNumber(r.metrics?.srcc) },
  { label: 'PLCC', width: '5rem', cell: (r) => formatNumber(r.metrics?.plcc) },
  { label: 'Tags', width: 'minmax(6rem, 1fr)', cell: (r) => h('span', { class: 'tags' }, r.tags.map((t) => h('span', { class: 'tag' }, t))) },
  { label: 'Note', width: 'minmax(6rem, 1fr)', cell: (r) => h('span', { class: 'note', title: r.note ?? '' }, r.note ?? '') },
];

/**
 * The runs explorer: every run across sweeps, filtered, sorted and grouped on the server
 * (`GET /api/runs`). Ungrouped, the table is virtualised (@tanstack/virtual-core): only the rows
 * in view exist in the DOM, and pages of runs are fetched as they scroll into view. Grouped, each
 * row is a setting with mean ± std and n of every metric. Selected runs or groups go to Compare;
 * selected runs can be tagged, archived or deleted.
 */
export async function explorerView(ctx: ViewContext, route: Extract<Route, { name: 'explorer' }>): Promise<void> {
  const query = route.query;
  const message = h('div', { 'aria-live': 'polite' });
  const results = h('section', { 'aria-label': 'Runs' });
  replace(ctx.root, pageHeader('Runs'), queryForm(ctx, query), message, results);
  if (query.groupBy) await renderGroups(ctx, results, message, query);
  else await renderRuns(ctx, results, message, query);
}

function queryForm(ctx: ViewContext, query: ExplorerQuery): HTMLElement {
  const filter = h('input', { type: 'text', id: 'explorer-filter', name: 'filter', value: query.filters.join('; '), placeholder: 'fusion=concat; srcc>=0.5; config.learningRate=0.001; tag=baseline', autocomplete: 'off' });
  const sort = h('input', { type: 'text', id: 'explorer-sort', name: 'sort', value: query.sort, placeholder: '-srcc,seed', autocomplete: 'off' });
  const groupBy = h('input', { type: 'text', id: 'explorer-group', name: 'groupBy', value: query.groupBy, placeholder: 'textEncoder,fusion', autocomplete: 'off' });
  const archived = h(
    'select',
    { id: 'explorer-archived', name: 'archived' },
    (['exclude', 'include', 'only'] as const).map((v) => h('option', { value: v, selected: v === query.archived }, { exclude: 'hide archived', include: 'with archived', only: 'archived only' }[v])),
  );
  const form = h(
    'form',
    { class: 'explorer-query', 'aria-label': 'Filter, sort and group runs' },
    h(
      'div',
      { class: 'field-row' },
      h('div', { class: 'field grow' }, h('label', { for: 'explorer-filter' }, 'Filter (conditions separated by ;)'), filter),
      h('div', { class: 'field' }, h('label', { for: 'explorer-sort' }, 'Sort'), sort),
      h('div', { class: 'field' }, h('label', { for: 'explorer-group' }, 'Group by'), groupBy),
      h('div', { class: 'field' }, h('label', { for: 'explorer-archived' }, 'Archived'), archived),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer' }, ' '), h('button', { type: 'submit', class: 'primary' }, 'Apply')),
    ),
    h('p', { class: 'muted small' }, 'Fields: status, sweep, sweepName, dataset, textEncoder, imageEncoder, fusion, seed, splitRepeat, epochs, srcc, plcc, krcc, rmse, tag, cellKey, createdAt, or config.<path>. Operators: = (a|b for any of), !=, >, >=, <, <=, ~ (contains).'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate({
      name: 'explorer',
      query: { filters: splitConditions(filter.value), sort: sort.value.trim(), groupBy: groupBy.value.trim(), archived: archived.value as ExplorerQuery['archived'] },
    });
  });
  return form;
}

async function fetchPage(ctx: ViewContext, query: ExplorerQuery, limit: number, offset: number): Promise<RunList> {
  return ctx.api.listRuns(explorerParams(query, { limit, offset }), ctx.signal);
}

async function renderGroups(ctx: ViewContext, root: HTMLElement, message: HTMLElement, query: ExplorerQuery): Promise<void> {
  replace(root, loading('Grouping runs…'));
  let list: RunList;
  try {
    list = await fetchPage(ctx, query, GROUP_PAGE, 0);
  } catch (error) {
    if (!isAbort(error)) replace(root, errorBox(error, 'Grouping runs'));
    return;
  }
  const groups = list.groups ?? [];
  const fields = query.groupBy.split(',').map((s) => s.trim()).filter(Boolean);
  const rows = groups.map((g: RunGroup) => [
    ...fields.map((f) => formatText(g.key[f])),
    String(g.runs),
    String(g.completed),
    ...GROUP_METRICS.map((m) => h('span', { class: 'num' }, formatStat(g.metrics[m]))),
  ]);
  replace(
    root,
    h(
      'p',
      { class: 'toolbar' },
      `${list.total} group${list.total === 1 ? '' : 's'}${list.total > groups.length ? ` (first ${groups.length} shown)` : ''}. `,
      h('a', { class: 'button', id: 'explorer-compare-groups', href: href({ name: 'compare', ids: [], filters: query.filters, groupBy: query.groupBy }) }, 'Compare these groups'),
    ),
    table([...fields, 'Runs', 'Completed', ...GROUP_METRICS.map((m) => `${m} mean ± std (n)`)], rows, { id: 'explorer-groups' }),
  );
  void message;
}

async function renderRuns(ctx: ViewContext, root: HTMLElement, message: HTMLElement, query: ExplorerQuery): Promise<void> {
  replace(root, loading('Loading runs…'));
  let first: RunList;
  try {
    first = await fetchPage(ctx, query, PAGE, 0);
  } catch (error) {
    if (!isAbort(error)) replace(root, errorBox(error, 'Loading runs'));
    return;
  }
  const total = first.total;
  const rows = new Map<number, RunRow>(first.items.map((r, i) => [i, r]));
  const loadingPages = new Set<number>();
  const chosen = new Map<string, RunRow>();

  const template = COLUMNS.map((c) => c.width).join(' ');
  const headRow = h('div', { class: 'vrow vhead', role: 'row', style: `grid-template-columns: 2rem ${template}` }, h('span', { role: 'columnheader' }, ''), COLUMNS.map((c) => h('span', { role: 'columnheader' }, c.label)));
  const spacer = h('div', { class: 'vspacer' });
  const scroller = h('div', { class: 'vscroll', id: 'explorer-runs', role: 'grid', 'aria-rowcount': total, tabindex: 0 }, spacer);
  const count = h('span', { id: 'explorer-count' });
  const actions = h('span', { class: 'toolbar' });

  const renderActions = () => {
    const ids = [...chosen.keys()];
    count.textContent = `${total} run${total === 1 ? '' : 's'}; ${ids.length} chosen`;
    replace(
      actions,
      h('a', { class: `button${ids.length < 2 ? ' disabled' : ''}`, id: 'explorer-compare', href: href({ name: 'compare', ids, filters: [], groupBy: '' }) }, 'Compare'),
      actionButton('Tag…', async () => {
        const tag = window.prompt('Tag to add to the chosen runs');
        if (!tag) return;
        for (const run of chosen.values()) await ctx.api.updateRun(run.id, { tags: [...new Set([...run.tags, tag.trim()])] });
        ctx.notify(`Tagged ${ids.length} run(s) "${tag.trim()}"`);
        ctx.navigate({ name: 'explorer', query });
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }, (e) => replace(message, errorBox(e, 'Tagging')), { disabled: ids.length === 0 }),
      actionButton('Archive', async () => {
        for (const id of ids) await ctx.api.archive('runs', id, true);
        ctx.notify(`Archived ${ids.length} run(s)`);
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }, (e) => replace(message, errorBox(e, 'Archiving')), { disabled: ids.length === 0 }),
      actionButton('Delete', async () => {
        if (!window.confirm(`Delete ${ids.length} run(s) with their epochs, predictions and checkpoints?`)) return;
        for (const id of ids) await ctx.api.remove('runs', id);
        ctx.notify(`Deleted ${ids.length} run(s)`);
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }, (e) => replace(message, errorBox(e, 'Deleting')), { class: 'danger', disabled: ids.length === 0 }),
    );
  };
  renderActions();

  const rowElement = (index: number, start: number): HTMLElement => {
    const run = rows.get(index);
    const style = `transform: translateY(${start}px); grid-template-columns: 2rem ${template}`;
    if (!run) return h('div', { class: 'vrow pending', role: 'row', style, 'aria-rowindex': index + 1 }, h('span', { class: 'muted' }, '…'));
    return h(
      'div',
      { class: 'vrow', role: 'row', style, 'aria-rowindex': index + 1, 'data-run': run.id },
      h('span', { role: 'gridcell' }, h('input', {
        type: 'checkbox',
        'aria-label': `Choose ${run.cellKey}`,
        checked: chosen.has(run.id),
        onchange: (e: Event) => {
          if ((e.target as HTMLInputElement).checked) chosen.set(run.id, run);
          else chosen.delete(run.id);
          renderActions();
        },
      })),
      COLUMNS.map((c) => h('span', { role: 'gridcell' }, c.cell(run))),
    );
  };

  const ensurePages = (indexes: number[]) => {
    for (const page of new Set(indexes.filter((i) => !rows.has(i)).map((i) => Math.floor(i / PAGE)))) {
      if (loadingPages.has(page)) continue;
      loadingPages.add(page);
      fetchPage(ctx, query, PAGE, page * PAGE)
        .then((list) => {
          list.items.forEach((r, i) => rows.set(page * PAGE + i, r));
          if (mounted) draw(mounted.list);
        })
        .catch((error: unknown) => {
          if (!isAbort(error)) replace(message, errorBox(error, 'Loading more runs'));
        })
        .finally(() => loadingPages.delete(page));
    }
  };

  function draw(list: VirtualList): void {
    const items = list.getVirtualItems();
    spacer.style.height = `${list.getTotalSize()}px`;
    spacer.replaceChildren(...items.map((item) => rowElement(item.index, item.start)));
    ensurePages(items.map((item) => item.index));
  }

  replace(root, h('div', { class: 'toolbar' }, count, actions), total === 0 ? h('p', { class: 'empty' }, 'No run matches.') : h('div', { class: 'vtable' }, headRow, scroller));
  const mounted = mountVirtualList({ scroller, count: total, rowHeight: ROW_HEIGHT, overscan: 12, draw });
  ctx.onDispose(mounted.unmount);
}
