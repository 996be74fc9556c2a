import type { DatasetRow, GridSpec } from '@agiqa/contracts';
import { href, type Route } from '../app/routes.js';
import { isAbort, type ViewContext } from '../app/view.js';
import { cellCountOf, gridBody, gridCarry, gridFormValues } from '../model/grid-form.js';
import { errorBox, loading, pageHeader } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { clearErrors, showErrors } from '../ui/form.js';
import { gridFieldNames, gridFields, readGridValues } from '../ui/grid-fields.js';

/**
 * The grid builder. Validation is the API's: a 400 puts each problem beside the field it names.
 * `from` pre-fills the form with another sweep's grid (launch again).
 */
export async function newSweepView(ctx: ViewContext, route: Extract<Route, { name: 'new-sweep' }>): Promise<void> {
  replace(ctx.root, pageHeader('New sweep'), loading());
  let datasets: DatasetRow[] = [];
  let grid: GridSpec | null = null;
  try {
    [datasets, grid] = await Promise.all([
      ctx.api.listDatasets(ctx.signal),
      route.from ? ctx.api.getSweep(route.from, ctx.signal).then((s) => s.grid) : Promise.resolve(null),
    ]);
  } catch (error) {
    if (isAbort(error)) return;
    replace(ctx.root, pageHeader('New sweep'), errorBox(error, 'Loading datasets'));
    return;
  }

  const general = h('div', { class: 'form-general', 'aria-live': 'polite' });
  const cells = h('p', { class: 'cell-count', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Launch sweep');
  const form = h(
    'form',
    { id: 'new-sweep-form', novalidate: true, 'aria-label': 'New sweep' },
    general,
    gridFields(gridFormValues(grid), datasets),
    h('div', { class: 'form-actions' }, cells, submit, h('a', { class: 'button', href: href({ name: 'sweeps' }) }, 'Cancel')),
  );
  const updateCount = () => {
    const n = cellCountOf(readGridValues(form));
    cells.textContent = `${n} cell${n === 1 ? '' : 's'} (datasets × repeats × (encoders × fusions × seeds + CLIP-IQA))`;
  };
  form.addEventListener('input', updateCount);
  form.addEventListener('change', updateCount);
  updateCount();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form, general);
    submit.disabled = true;
    submit.textContent = 'Launching…';
    try {
      const sweep = await ctx.api.createSweep(gridBody(readGridValues(form), gridCarry(grid)));
      ctx.notify(`Sweep launched: ${sweep.cellCount} cells`);
      ctx.navigate({ name: 'sweep', id: sweep.id });
    } catch (error) {
      showErrors(form, general, error, gridFieldNames());
    } finally {
      submit.disabled = false;
      submit.textContent = 'Launch sweep';
    }
  });

  replace(
    ctx.root,
    pageHeader('New sweep'),
    route.from
      ? h('p', { class: 'muted' }, 'Pre-filled from sweep ', h('a', { href: href({ name: 'sweep', id: route.from }) }, route.from), '; its head options, fine-tuning options and model overrides are kept as they were.')
      : null,
    form,
  );
}
