import {
  FUSION_NAMES,
  IMAGE_ENCODER_NAMES,
  METHOD_NAMES,
  REPORT_RULES,
  SPLIT_UNITS,
  TEXT_ENCODER_NAMES,
  TRAINERS,
  TRAINING_MODES,
  type DatasetRow,
} from '@agiqa/contracts';
import { GRID_FIELDS, type GridFormValues } from '../model/grid-form.js';
import { ENCODER_LABEL, FUSION_LABEL, isTinyEncoder } from '../model/labels.js';
import { FLAG_HELP } from './components.js';
import { h } from './dom.js';
import { checkboxGroup, field, select, textInput } from './form.js';

const METHOD_LABEL: Record<(typeof METHOD_NAMES)[number], string> = {
  'fusion-head': 'Trained fusion head',
  'clip-iqa': 'CLIP-IQA (zero-shot)',
};

const TRAINING_MODE_LABEL: Record<(typeof TRAINING_MODES)[number], string> = {
  frozen: 'frozen encoders (cached features)',
  finetune: 'fine-tune the encoders (torch engine)',
};

const TRAINER_LABEL: Record<(typeof TRAINERS)[number], string> = {
  auto: 'auto (torch where the worker has it)',
  tfjs: 'tfjs (in the worker)',
  torch: 'torch (Python engine)',
};

const REPORT_RULE_LABEL: Record<(typeof REPORT_RULES)[number], string> = {
  last: 'last epoch',
  'best-on-val': 'best epoch on validation',
  'best-on-test': 'best epoch on test (optimistic)',
};

/** Field names of the grid builder under `prefix` (`grid.` in the schedule form). */
export function gridFieldNames(prefix = ''): string[] {
  return GRID_FIELDS.map((f) => `${prefix}${f}`);
}

/**
 * The grid builder: encoder and fusion checkboxes from the contracts' name lists, datasets from
 * the API, and the training / split options. Input names are body paths under `prefix`.
 */
export function gridFields(values: GridFormValues, datasets: readonly DatasetRow[], prefix = ''): HTMLElement {
  const n = (name: keyof GridFormValues) => `${prefix}${name}`;
  const num = (name: keyof GridFormValues, props: Record<string, string> = {}) => textInput(n(name), values[name] as string, { inputmode: 'decimal', ...props });
  const datasetOptions = datasets.map((d) => ({ value: d.name, label: `${d.name} (${d.format}, ${d.itemCount} images)` }));
  // A grid copied from another sweep may name a dataset that is gone: keep it visible (the server says why it fails).
  for (const name of values.datasets) if (!datasets.some((d) => d.name === name)) datasetOptions.push({ value: name, label: `${name} (not registered)` });

  return h(
    'div',
    { class: 'grid-fields' },
    field(n('name'), 'Sweep name (optional)', textInput(n('name'), values.name, { placeholder: 'e.g. table1-agiqa3k' })),
    checkboxGroup(
      n('methods'),
      'Methods',
      METHOD_NAMES.map((m) => ({ value: m, label: METHOD_LABEL[m] })),
      values.methods,
      'CLIP-IQA is zero-shot (the paper’s Eq. 2 with the image encoder’s two towers): one cell per dataset and split repeat; text encoders, fusions and seeds apply to trained heads only.',
    ),
    checkboxGroup(
      n('encoders'),
      'Text encoders',
      TEXT_ENCODER_NAMES.map((e) => ({ value: e, label: ENCODER_LABEL[e], hint: isTinyEncoder(e) ? FLAG_HELP.tiny : undefined })),
      values.encoders,
      'Tiny encoders are random fixtures: their figures are never comparable to the paper.',
    ),
    checkboxGroup(n('fusions'), 'Fusions', FUSION_NAMES.map((f) => ({ value: f, label: FUSION_LABEL[f] })), values.fusions),
    datasetOptions.length
      ? checkboxGroup(n('datasets'), 'Datasets', datasetOptions, values.datasets)
      : h(
          'fieldset',
          { class: 'field checks', 'data-field': n('datasets') },
          h('legend', null, 'Datasets'),
          h('p', { class: 'hint' }, 'No dataset is registered yet: ', h('a', { href: '#/datasets' }, 'register one'), ' first.'),
          h('p', { class: 'field-error', 'data-error-for': n('datasets'), 'aria-live': 'polite' }),
        ),
    h(
      'div',
      { class: 'field-row' },
      field(n('imageEncoder'), 'Image encoder', select(n('imageEncoder'), IMAGE_ENCODER_NAMES.map((e) => ({ value: e, label: e })), values.imageEncoder)),
      field(n('seeds'), 'Seeds', num('seeds', { inputmode: 'text' }), 'Comma-separated, e.g. 0, 1, 2'),
      field(n('epochs'), 'Epochs', num('epochs'), 'Paper: 100'),
      field(n('batchSize'), 'Batch size', num('batchSize')),
      field(n('learningRate'), 'Learning rate', num('learningRate'), 'Adam; paper: 1e-4'),
      field(n('maxParallel'), 'Cells in parallel', num('maxParallel')),
    ),
    h(
      'div',
      { class: 'field-row' },
      field(
        n('reportRule'),
        'Report rule',
        select(n('reportRule'), REPORT_RULES.map((r) => ({ value: r, label: REPORT_RULE_LABEL[r] })), values.reportRule),
        'best-on-test selects on the test set: its figures are flagged optimistic.',
      ),
      field(n('label'), 'MOS label', textInput(n('label'), values.label), 'e.g. quality, align'),
    ),
    h(
      'div',
      { class: 'field-row' },
      field(
        n('trainingMode'),
        'Training mode',
        select(n('trainingMode'), TRAINING_MODES.map((m) => ({ value: m, label: TRAINING_MODE_LABEL[m] })), values.trainingMode),
        'The paper fine-tunes both encoders; frozen is the cheap alternative.',
      ),
      field(
        n('trainer'),
        'Trainer',
        select(n('trainer'), TRAINERS.map((t) => ({ value: t, label: TRAINER_LABEL[t] })), values.trainer),
        'Each run records the engine, the device and the dtype it used.',
      ),
    ),
    h(
      'fieldset',
      { class: 'split' },
      h('legend', null, 'Split'),
      h(
        'div',
        { class: 'field-row' },
        field(n('split.unit'), 'Unit', select(n('split.unit'), SPLIT_UNITS.map((u) => ({ value: u, label: u })), values['split.unit']), 'What train and test keep apart'),
        field(n('split.train'), 'Train share', num('split.train', { placeholder: 'paper ratio' }), 'Empty: the paper’s ratio for the dataset (0.8 / 0.75)'),
        field(n('split.val'), 'Validation share', num('split.val'), 'Needed by best-on-val'),
        field(n('split.seed'), 'Split seed', num('split.seed')),
        field(n('split.repeats'), 'Repeats', num('split.repeats')),
      ),
    ),
  );
}

/** Reads the grid builder's inputs back (names under `prefix`). */
export function readGridValues(form: HTMLFormElement, prefix = ''): GridFormValues {
  const data = new FormData(form);
  const text = (name: string) => {
    const v = data.get(`${prefix}${name}`);
    return typeof v === 'string' ? v : '';
  };
  const list = (name: string) => data.getAll(`${prefix}${name}`).filter((v): v is string => typeof v === 'string');
  return {
    name: text('name'),
    methods: list('methods'),
    encoders: list('encoders'),
    fusions: list('fusions'),
    datasets: list('datasets'),
    imageEncoder: text('imageEncoder'),
    seeds: text('seeds'),
    epochs: text('epochs'),
    batchSize: text('batchSize'),
    learningRate: text('learningRate'),
    reportRule: text('reportRule'),
    label: text('label'),
    maxParallel: text('maxParallel'),
    trainingMode: text('trainingMode'),
    trainer: text('trainer'),
    'split.unit': text('split.unit'),
    'split.train': text('split.train'),
    'split.val': text('split.val'),
    'split.seed': text('split.seed'),
    'split.repeats': text('split.repeats'),
  };
}
