import { gridCellCount, type GridSpec, type GridSpecInput, type MethodName } from '@agiqa/contracts';

/**
 * The grid builder's inputs as the browser holds them: strings and checked values. The form's input
 * `name`s are these body paths, so that server problems (`split.train`) land on the right input.
 */
export interface GridFormValues {
  name: string;
  methods: string[];
  encoders: string[];
  fusions: string[];
  datasets: string[];
  imageEncoder: string;
  seeds: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  reportRule: string;
  label: string;
  maxParallel: string;
  trainingMode: string;
  trainer: string;
  'split.unit': string;
  'split.train': string;
  'split.val': string;
  'split.seed': string;
  'split.repeats': string;
}

/** Body paths of the grid builder's inputs, in form order. */
export const GRID_FIELDS = [
  'name',
  'methods',
  'encoders',
  'fusions',
  'datasets',
  'imageEncoder',
  'seeds',
  'epochs',
  'batchSize',
  'learningRate',
  'reportRule',
  'label',
  'maxParallel',
  'trainingMode',
  'trainer',
  'split.unit',
  'split.train',
  'split.val',
  'split.seed',
  'split.repeats',
] as const satisfies readonly (keyof GridFormValues)[];

/** Defaults shown in a fresh form: the paper's settings where it states them (lr 1e-4, 100 epochs). */
export const DEFAULT_GRID_FORM: GridFormValues = {
  name: '',
  methods: ['fusion-head'],
  encoders: [],
  fusions: [],
  datasets: [],
  imageEncoder: 'clip-vit-b32',
  seeds: '0',
  epochs: '100',
  batchSize: '32',
  learningRate: '0.0001',
  reportRule: 'last',
  label: 'quality',
  maxParallel: '4',
  trainingMode: 'frozen',
  trainer: 'auto',
  'split.unit': 'prompt',
  'split.train': '',
  'split.val': '0',
  'split.seed': '0',
  'split.repeats': '1',
};

/**
 * A number typed into a field: the number when the text is one, the trimmed text otherwise (the
 * server rejects it naming the field, so the form never guesses), undefined when empty (the
 * server's default applies).
 */
export function numberField(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A list of numbers typed as `0, 1, 2` or `0 1 2`. */
export function numberListField(text: string): (number | string)[] {
  return text
    .split(/[\s,;]+/)
    .filter((t) => t !== '')
    .map((t) => numberField(t) as number | string);
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Grid options the form does not edit. A form started from an existing grid (launch again,
 * schedule this grid) carries them over unchanged, so the copy trains the same heads. Fine-tuning
 * options are carried only while the form still says `finetune` (the API refuses them otherwise).
 */
export type GridCarry = Partial<Pick<GridSpec, 'head' | 'modelOverrides' | 'features' | 'clipIqa' | 'finetune'>>;

export function gridCarry(grid: Partial<GridSpec> | null | undefined): GridCarry {
  if (!grid) return {};
  return withoutUndefined({ head: grid.head, modelOverrides: grid.modelOverrides, features: grid.features, clipIqa: grid.clipIqa, finetune: grid.finetune });
}

/** Whether the form's methods train fusion heads (encoders, fusions and seeds apply only then). */
const trainsHeads = (values: Pick<GridFormValues, 'methods'>): boolean => values.methods.includes('fusion-head');

/**
 * The `POST /api/sweeps` body for the form. It does not validate: the API's zod schema does, and its
 * problems are shown beside the inputs. Empty optional inputs are left out so server defaults apply.
 * Without the fusion-head method the encoder, fusion and seed inputs do not apply and are not sent.
 */
export function gridBody(values: GridFormValues, carry: GridCarry = {}): GridSpecInput {
  const text = (s: string) => (s.trim() === '' ? undefined : s.trim());
  const split = withoutUndefined({
    unit: text(values['split.unit']),
    train: numberField(values['split.train']),
    val: numberField(values['split.val']),
    seed: numberField(values['split.seed']),
    repeats: numberField(values['split.repeats']),
  });
  // Strings where numbers belong are sent on purpose (see numberField); the cast only hides that
  // from the compile-time body type.
  const { finetune, ...kept } = carry;
  const trainingMode = text(values.trainingMode);
  return withoutUndefined({
    ...kept,
    ...(trainingMode === 'finetune' && finetune ? { finetune } : {}),
    name: text(values.name),
    methods: values.methods,
    ...(trainsHeads(values) ? { encoders: values.encoders, fusions: values.fusions, seeds: numberListField(values.seeds) } : {}),
    datasets: values.datasets,
    imageEncoder: text(values.imageEncoder),
    epochs: numberField(values.epochs),
    batchSize: numberField(values.batchSize),
    learningRate: numberField(values.learningRate),
    reportRule: text(values.reportRule),
    label: text(values.label),
    maxParallel: numberField(values.maxParallel),
    trainingMode,
    trainer: text(values.trainer),
    split,
  }) as unknown as GridSpecInput;
}

/** Form values that reproduce an existing grid (launch again, schedule this grid). */
export function gridFormValues(grid: Partial<GridSpec> | null | undefined): GridFormValues {
  if (!grid) return { ...DEFAULT_GRID_FORM };
  const str = (v: unknown, fallback: string) => (typeof v === 'number' || typeof v === 'string' ? String(v) : fallback);
  const d = DEFAULT_GRID_FORM;
  return {
    name: grid.name ?? '',
    methods: [...(grid.methods ?? d.methods)],
    encoders: [...(grid.encoders ?? [])],
    fusions: [...(grid.fusions ?? [])],
    datasets: [...(grid.datasets ?? [])],
    imageEncoder: str(grid.imageEncoder, d.imageEncoder),
    seeds: grid.seeds && grid.seeds.length > 0 ? grid.seeds.join(', ') : d.seeds,
    epochs: str(grid.epochs, d.epochs),
    batchSize: str(grid.batchSize, d.batchSize),
    learningRate: str(grid.learningRate, d.learningRate),
    reportRule: str(grid.reportRule, d.reportRule),
    label: str(grid.label, d.label),
    maxParallel: str(grid.maxParallel, d.maxParallel),
    trainingMode: str(grid.trainingMode, d.trainingMode),
    trainer: str(grid.trainer, d.trainer),
    'split.unit': str(grid.split?.unit, d['split.unit']),
    'split.train': str(grid.split?.train, ''),
    'split.val': str(grid.split?.val, d['split.val']),
    'split.seed': str(grid.split?.seed, d['split.seed']),
    'split.repeats': str(grid.split?.repeats, d['split.repeats']),
  };
}

/**
 * Number of cells the grid will expand to (per dataset and split repeat: encoders × fusions × seeds
 * fusion-head cells, one CLIP-IQA cell), counted as the contracts count them.
 */
export function cellCountOf(values: GridFormValues): number {
  const repeats = numberField(values['split.repeats']);
  const r = typeof repeats === 'number' && Number.isInteger(repeats) && repeats > 0 ? repeats : 1;
  const seeds = [...new Set(numberListField(values.seeds).map(String))].map(Number);
  return gridCellCount({
    datasets: values.datasets,
    methods: values.methods as MethodName[],
    encoders: values.encoders as GridSpec['encoders'],
    fusions: values.fusions as GridSpec['fusions'],
    seeds,
    split: { repeats: r },
  });
}
