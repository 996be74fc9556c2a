import { DATASET_FORMATS, type DatasetInspection, type DatasetRow } from '@agiqa/contracts';
import { isAbort, type ViewContext } from '../app/view.js';
import { formatDate, formatNumber, MISSING } from '../model/format.js';
import { errorBox, loading, pageHeader, problemList, table } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { clearErrors, field, select, showErrors, textInput } from '../ui/form.js';

const FORMAT_HINT: Record<(typeof DATASET_FORMATS)[number], string> = {
  agiqa3k: 'AGIQA-3K folder (data.csv + images)',
  aigciqa2023: 'AIGCIQA2023 folder (MOS .mat / .xlsx files + images)',
  manifest: 'a manifest file (CSV/JSON) listing images, prompts and MOS, e.g. PKU-I2IQA',
};

const REGISTER_FIELDS = ['name', 'format', 'root', 'checkImages'];

/** Registered datasets and the registration form (with a dry-run inspection). */
export async function datasetsView(ctx: ViewContext): Promise<void> {
  const list = h('section', { 'aria-label': 'Registered datasets' }, loading());
  const general = h('div', { class: 'form-general', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite' });
  const checkImages = h('input', { type: 'checkbox', name: 'checkImages', id: 'dataset-check-images', checked: true });
  const registerButton = h('button', { type: 'submit', class: 'primary' }, 'Register');
  const inspectButton = h('button', { type: 'button' }, 'Inspect (dry run)');
  const form = h(
    'form',
    { id: 'register-dataset-form', novalidate: true, 'aria-label': 'Register a dataset' },
    general,
    h(
      'div',
      { class: 'field-row' },
      field('name', 'Name', textInput('name', '', { placeholder: 'agiqa3k' }), 'Letters, digits, ".", "_" and "-"; used in grids'),
      field('format', 'Format', select('format', DATASET_FORMATS.map((f) => ({ value: f, label: `${f}: ${FORMAT_HINT[f]}` })), 'agiqa3k')),
      field('root', 'Folder or manifest path', textInput('root', '', { placeholder: '/data/AGIQA-3K' }), 'A path on the machine that runs the API and workers'),
      h('div', { class: 'field check', 'data-field': 'checkImages' }, checkImages, h('label', { for: 'dataset-check-images' }, 'Check that every image exists'), h('p', { class: 'field-error', 'data-error-for': 'checkImages' })),
    ),
    h('div', { class: 'form-actions' }, registerButton, inspectButton),
    result,
  );
  const values = () => {
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    return { name: text('name'), format: text('format') as DatasetRow['format'], root: text('root'), checkImages: checkImages.checked };
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form, general);
    replace(result);
    registerButton.disabled = true;
    try {
      const row = await ctx.api.registerDataset(values());
      ctx.notify(`Dataset ${row.name} registered: ${row.itemCount} images`);
      form.reset();
      await refresh();
    } catch (error) {
      showErrors(form, general, error, REGISTER_FIELDS);
    } finally {
      registerButton.disabled = false;
    }
  });
  inspectButton.addEventListener('click', async () => {
    clearErrors(form, general);
    inspectButton.disabled = true;
    try {
      const v = values();
      renderInspection(await ctx.api.inspectDataset({ ...v, name: v.name || undefined }));
    } catch (error) {
      showErrors(form, general, error, REGISTER_FIELDS);
    } finally {
      inspectButton.disabled = false;
    }
  });

  function renderInspection(i: DatasetInspection): void {
    replace(
      result,
      h(
        'div',
        { class: i.ok ? 'info-box' : 'error-box', role: 'status' },
        h('strong', null, i.ok ? 'The dataset reads cleanly.' : `${i.problems.length} problem(s) found; nothing was registered.`),
        i.nameAvailable === false ? h('p', null, 'That name is already taken.') : null,
        i.summary ? h('p', null, `${i.summary.rows} images, ${i.summary.prompts} prompts, ${Object.keys(i.summary.generators).length} generators, ${i.summary.missingImages} missing images.`) : null,
        problemList(i.problems.slice(0, 50)),
        i.problems.length > 50 ? h('p', null, `…and ${i.problems.length - 50} more.`) : null,
      ),
    );
  }

  async function refresh(): Promise<void> {
    let rows: DatasetRow[];
    try {
      rows = await ctx.api.listDatasets(ctx.signal);
    } catch (error) {
      if (!isAbort(error)) replace(list, errorBox(error, 'Loading datasets'));
      return;
    }
    replace(
      list,
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No dataset registered yet.')
        : table(
            ['Name', 'Format', 'Images', 'Prompts', 'Generators', 'MOS labels', 'Missing images', 'Runs', 'Root', 'Content', 'Registered'],
            rows.map((d) => [
              h('strong', null, d.name),
              d.format,
              String(d.itemCount),
              String(d.summary?.prompts ?? MISSING),
              d.summary ? String(Object.keys(d.summary.generators).length) : MISSING,
              d.labels.length
                ? d.labels.map((l) => {
                    const m = d.summary?.mos?.[l];
                    return h('div', null, `${l}${m ? ` (${formatNumber(m.min, 2)}–${formatNumber(m.max, 2)})` : ''}`);
                  })
                : MISSING,
              String(d.summary?.missingImages ?? MISSING),
              String(d.runCount),
              h('code', null, d.root),
              h('code', { title: d.contentHash }, d.contentHash.slice(0, 12)),
              formatDate(d.createdAt),
            ]),
            { id: 'datasets-table' },
          ),
    );
  }

  replace(ctx.root, pageHeader('Datasets'), list, h('h2', null, 'Register a dataset'), form);
  await refresh();
}
