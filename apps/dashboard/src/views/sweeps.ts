import { SWEEP_STATUSES, type SweepList, type SweepStatus } from '@agiqa/contracts';
import { href } from '../app/routes.js';
import { isAbort, poll, type ViewContext } from '../app/view.js';
import { formatDate, formatText } from '../model/format.js';
import { isActive, normaliseCounts, statusSegments, totalCounts } from '../model/status.js';
import { errorBox, loading, pageHeader, pager, progressBar, statusBadge, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';

const PAGE_SIZE = 25;

/** Sweeps, newest first, with status counts and progress bars; refreshes while any is active. */
export function sweepsView(ctx: ViewContext): void {
  let status: SweepStatus | '' = '';
  let offset = 0;
  let last: SweepList | null = null;
  const body = h('div', null, loading());
  const filter = h('select', { id: 'sweep-status-filter', name: 'status' }, h('option', { value: '' }, 'all'), SWEEP_STATUSES.map((s) => h('option', { value: s }, s)));
  filter.addEventListener('change', () => {
    status = filter.value as SweepStatus | '';
    offset = 0;
    void refresh();
  });

  replace(
    ctx.root,
    pageHeader('Sweeps', h('a', { class: 'button primary', href: href({ name: 'new-sweep', from: null }) }, 'New sweep')),
    h('div', { class: 'toolbar' }, h('label', { for: 'sweep-status-filter' }, 'Status '), filter),
    body,
  );

  async function refresh(): Promise<void> {
    try {
      last = await ctx.api.listSweeps({ status: status || undefined, limit: PAGE_SIZE, offset }, ctx.signal);
      render(last);
    } catch (error) {
      if (!isAbort(error)) replace(body, errorBox(error, 'Loading sweeps'));
    }
  }

  function render(list: SweepList): void {
    if (list.items.length === 0) {
      replace(
        body,
        h('p', { class: 'empty' }, status ? `No ${status} sweeps.` : 'No sweeps yet. ', status ? null : h('a', { href: href({ name: 'new-sweep', from: null }) }, 'Launch the first one.')),
      );
      return;
    }
    const totals = totalCounts(list.items);
    const rows = list.items.map((s) => {
      const counts = normaliseCounts(s.counts);
      return [
        h('a', { href: href({ name: 'sweep', id: s.id }) }, s.name || s.id.slice(0, 8)),
        statusBadge(s.status),
        progressBar(statusSegments(counts, s.cellCount), `Sweep ${s.name ?? s.id}`),
        h('span', { class: 'counts' }, `${counts.completed}/${formatText(s.cellCount)} completed`, counts.failed ? `, ${counts.failed} failed` : '', counts.cancelled ? `, ${counts.cancelled} cancelled` : '', counts.running ? `, ${counts.running} running` : ''),
        s.scheduleId ? h('a', { href: href({ name: 'schedules' }), title: s.scheduleId }, 'scheduled') : 'manual',
        formatDate(s.createdAt),
        formatDate(s.finishedAt),
      ];
    });
    const pages = pager(
      { offset, count: list.items.length, total: list.total, limit: PAGE_SIZE },
      (to) => ((offset = to), void refresh()),
      { previous: 'Newer', next: 'Older' },
    );
    replace(
      body,
      h('p', { class: 'muted' }, `On this page: ${totals.completed} completed, ${totals.running} running, ${totals.pending} pending, ${totals.failed} failed, ${totals.cancelled} cancelled cells.`),
      table(['Sweep', 'Status', 'Progress', 'Cells', 'Origin', 'Created', 'Finished'], rows, { id: 'sweeps-table' }),
      pages,
    );
  }

  void refresh().then(() => poll(ctx, 2000, refresh, () => last?.items.some((s) => isActive(s.status)) ?? false));
}
