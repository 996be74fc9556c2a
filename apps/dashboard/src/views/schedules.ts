import { SCHEDULE_OVERLAP_POLICIES, type DatasetRow, type GridSpec, type ScheduleDetail, type ScheduleRow } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { formatDate, MISSING } from '../model/format.js';
import { gridCarry, gridFormValues } from '../model/grid-form.js';
import { encoderLabel, fusionLabel } from '../model/labels.js';
import { describeSpec, SCHEDULE_FIELDS, scheduleBody, type ScheduleFormValues } from '../model/schedule-form.js';
import { actionButton, errorBox, loading, pageHeader, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { clearErrors, field, select, showErrors, textInput } from '../ui/form.js';
import { gridFields, readGridValues } from '../ui/grid-fields.js';

const OVERLAP_LABEL: Record<(typeof SCHEDULE_OVERLAP_POLICIES)[number], string> = {
  skip: 'skip (do not start while the last one runs)',
  buffer_one: 'buffer one (start after the last one)',
  allow_all: 'allow all (run side by side)',
  cancel_other: 'cancel the running one',
};

/** Retraining schedules: list with pause / resume / trigger / delete. */
export async function schedulesView(ctx: ViewContext): Promise<void> {
  const message = h('div', { 'aria-live': 'polite' });
  const body = h('div', null, loading());
  replace(ctx.root, pageHeader('Schedules', h('a', { class: 'button primary', href: href({ name: 'new-schedule', from: null }) }, 'New schedule')), message, body);
  const fail = (what: string) => (error: unknown) => replace(message, errorBox(error, what));

  async function refresh(): Promise<void> {
    let schedules: ScheduleRow[];
    try {
      schedules = await ctx.api.listSchedules(ctx.signal);
    } catch (error) {
      if (!isAbort(error)) replace(body, errorBox(error, 'Loading schedules'));
      return;
    }
    if (schedules.length === 0) {
      replace(body, h('p', { class: 'empty' }, 'No schedules. Create one from a grid, or from a sweep’s “Schedule this grid”.'));
      return;
    }
    const act = (s: ScheduleRow, action: 'pause' | 'resume' | 'trigger', done: string) => async () => {
      await ctx.api.scheduleAction(s.id, action);
      replace(message);
      ctx.notify(`${s.name}: ${done}`);
      await refresh();
    };
    replace(
      body,
      table(
        ['Name', 'Spec', 'Grid', 'Overlap', 'State', 'Next run', 'Sweeps', 'Created', 'Actions'],
        schedules.map((s) => {
          const details = h('div', { class: 'schedule-details' });
          return [
            h('strong', null, s.name),
            describeSpec(s.cron, s.intervalSeconds),
            gridSummary(s.grid),
            s.overlap,
            h('span', { class: `badge ${s.paused ? 'status-cancelled' : 'status-running'}` }, s.paused ? 'paused' : 'active'),
            formatDate(s.nextRunAt),
            h('span', null, String(s.sweepCount), s.lastSweepId ? [' · ', h('a', { href: href({ name: 'sweep', id: s.lastSweepId }) }, 'last')] : null),
            formatDate(s.createdAt),
            h(
              'div',
              { class: 'actions' },
              s.paused
                ? actionButton('Resume', act(s, 'resume', 'resumed'), fail('Resume'))
                : actionButton('Pause', act(s, 'pause', 'paused'), fail('Pause')),
              actionButton('Trigger now', act(s, 'trigger', 'triggered: a sweep starts now'), fail('Trigger')),
              actionButton(
                'Delete',
                async () => {
                  if (!window.confirm(`Delete schedule “${s.name}”? Sweeps it started stay.`)) return;
                  await ctx.api.deleteSchedule(s.id);
                  replace(message);
                  ctx.notify(`${s.name}: deleted`);
                  await refresh();
                },
                fail('Delete'),
                { class: 'danger' },
              ),
              actionButton('Upcoming', () => showDetails(s.id, details), fail('Loading the schedule')),
              details,
            ),
          ];
        }),
        { id: 'schedules-table' },
      ),
    );
  }

  async function showDetails(id: string, into: HTMLElement): Promise<void> {
    const d: ScheduleDetail = await ctx.api.getSchedule(id, ctx.signal);
    replace(
      into,
      d.temporal.ok
        ? h(
            'ul',
            { class: 'small' },
            d.temporal.nextActionTimes.length ? d.temporal.nextActionTimes.slice(0, 5).map((t) => h('li', null, `next: ${formatDate(t)}`)) : h('li', null, 'no upcoming run'),
            d.temporal.recentActions.slice(-3).map((a) => h('li', null, `ran: ${formatDate(a.takenAt)}`)),
          )
        : h('p', { class: 'error-text' }, `Temporal: ${d.temporal.error ?? MISSING}`),
    );
  }

  await refresh();
}

function gridSummary(grid: GridSpec): string {
  return `${grid.encoders.map(encoderLabel).join(', ')} × ${grid.fusions.map(fusionLabel).join(', ')} on ${grid.datasets.join(', ')}; seeds ${grid.seeds.join(', ')}`;
}

/** Create a schedule from a grid (optionally copied from a sweep) and a cron or interval spec. */
export async function newScheduleView(ctx: ViewContext, route: Extract<Route, { name: 'new-schedule' }>): Promise<void> {
  replace(ctx.root, pageHeader('New schedule'), loading());
  let datasets: DatasetRow[];
  let grid: GridSpec | null = null;
  try {
    [datasets, grid] = await Promise.all([
      ctx.api.listDatasets(ctx.signal),
      route.from ? ctx.api.getSweep(route.from, ctx.signal).then((s) => s.grid) : Promise.resolve(null),
    ]);
  } catch (error) {
    if (!isAbort(error)) replace(ctx.root, pageHeader('New schedule'), errorBox(error, 'Loading datasets'));
    return;
  }
  const general = h('div', { class: 'form-general', 'aria-live': 'polite' });
  const cronInput = textInput('cron', '', { placeholder: '0 3 * * 1' });
  const intervalInput = textInput('intervalSeconds', '', { inputmode: 'numeric', placeholder: '86400' });
  const kind = select('specKind', [{ value: 'cron', label: 'cron expression' }, { value: 'interval', label: 'fixed interval' }], 'cron');
  const cronField = field('cron', 'Cron (UTC)', cronInput, 'minute hour day-of-month month day-of-week, e.g. 0 3 * * 1 = Mondays 03:00');
  const intervalField = field('intervalSeconds', 'Interval (seconds)', intervalInput, 'At least 60; 86400 = daily');
  const syncKind = () => {
    cronField.hidden = kind.value !== 'cron';
    intervalField.hidden = kind.value !== 'interval';
  };
  kind.addEventListener('change', syncKind);
  syncKind();
  const paused = h('input', { type: 'checkbox', name: 'paused', id: 'schedule-paused' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create schedule');
  const form = h(
    'form',
    { id: 'new-schedule-form', novalidate: true, 'aria-label': 'New schedule' },
    general,
    h(
      'div',
      { class: 'field-row' },
      field('name', 'Schedule name', textInput('name', grid?.name ? `${grid.name}-retrain` : '')),
      field('specKind', 'Runs on', kind),
      cronField,
      intervalField,
      field('overlap', 'When the previous sweep still runs', select('overlap', SCHEDULE_OVERLAP_POLICIES.map((p) => ({ value: p, label: OVERLAP_LABEL[p] })), 'skip')),
      h('div', { class: 'field check', 'data-field': 'paused' }, paused, h('label', { for: 'schedule-paused' }, 'Create paused'), h('p', { class: 'field-error', 'data-error-for': 'paused' })),
    ),
    h('h2', null, 'Grid'),
    gridFields(gridFormValues(grid), datasets, 'grid.'),
    h('div', { class: 'form-actions' }, submit, h('a', { class: 'button', href: href({ name: 'schedules' }) }, 'Cancel')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form, general);
    const values: ScheduleFormValues = {
      name: (form.elements.namedItem('name') as HTMLInputElement).value,
      specKind: kind.value === 'interval' ? 'interval' : 'cron',
      cron: cronInput.value,
      intervalSeconds: intervalInput.value,
      overlap: (form.elements.namedItem('overlap') as HTMLSelectElement).value,
      paused: paused.checked,
      grid: readGridValues(form, 'grid.'),
    };
    submit.disabled = true;
    try {
      const created = await ctx.api.createSchedule(scheduleBody(values, gridCarry(grid)));
      ctx.notify(`Schedule ${created.name} created`);
      ctx.navigate({ name: 'schedules' });
    } catch (error) {
      showErrors(form, general, error, SCHEDULE_FIELDS);
    } finally {
      submit.disabled = false;
    }
  });
  replace(
    ctx.root,
    pageHeader('New schedule'),
    route.from
      ? h('p', { class: 'muted' }, 'Grid copied from sweep ', h('a', { href: href({ name: 'sweep', id: route.from }) }, route.from), ', with its head options, training mode and model overrides.')
      : null,
    form,
  );
}
