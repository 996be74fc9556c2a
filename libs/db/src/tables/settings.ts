import { createHash } from 'node:crypto';
import {
  canonicalJson,
  expandGrid,
  FeatureOptionsSchema,
  GridSpecSchema,
  PAPER_TRAIN_RATIO,
  type DatasetFormat,
  type SettingRef,
} from '@agiqa/contracts';
import { runConfig } from '../repositories/sweeps.js';

/*
 * What makes two runs comparable. A run's config (libs/db `RunConfig`) holds its cell and every
 * grid option that shaped it. The setting is that config minus
 * - the cell's coordinates (dataset, method, text encoder, fusion, the text encoder's model
 *   override): they pick the table row, not the setting;
 * - the replicate's coordinates (seed, split seed, split repeat) and the repeat count: runs that
 *   differ only there are replicates of one setting;
 * - options that never change a number (`trainer: auto` is replaced by the engine that ran).
 * Everything else stays, including options added to the grid later: a new option splits
 * settings by default rather than silently averaging runs that differ in it.
 */

/** Config keys that place a run in a table (row, column) rather than in a setting. */
const CELL_KEYS = new Set(['dataset', 'method', 'textEncoder', 'fusion', 'splitRepeat', 'seed', 'modelOverrides']);
/** Config keys that say how to run, not what is computed. */
const RUNTIME_KEYS = new Set(['trainer', 'maxParallel', 'timing', 'name']);

/**
 * Grid options added after runs were stored, with the value every earlier run ran with: a config
 * without the key is that value (before `features`, encoders ran in fp32 with Pillow's resize), so
 * runs from before and after the option existed stay one setting when they computed the same.
 */
const IMPLIED_WHEN_ABSENT: Readonly<Record<string, unknown>> = { features: FeatureOptionsSchema.parse({}) };

/** The part of a run row beyond its config that changes numbers (the engine that actually trained it). */
export interface RunFacts {
  /** `tfjs` / `torch` once the worker records it; null for rows from before that. */
  engine?: string | null;
}

/**
 * The setting fields of a run (see the module comment). `split.train` is `"paper"` when it
 * equals the paper's ratio for the dataset's format (AGIQA-3K 0.8, AIGCIQA2023 and manifests
 * 0.75), so one setting spans datasets of different formats as the grid did. An override of the
 * image encoder's model stays in the setting; the text encoder's belongs to the row.
 */
export function settingFields(config: unknown, format: DatasetFormat, facts: RunFacts = {}): Record<string, unknown> {
  const c = { ...IMPLIED_WHEN_ABSENT, ...asRecord(config) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    if (!CELL_KEYS.has(key) && !RUNTIME_KEYS.has(key)) fields[key] = value;
  }
  const split = asRecord(c['split']);
  const train = split['train'];
  fields['split'] = { unit: split['unit'], train: train === PAPER_TRAIN_RATIO[format] ? 'paper' : train, val: split['val'] };
  const imageEncoder = c['imageEncoder'];
  const imageOverride = typeof imageEncoder === 'string' ? asRecord(c['modelOverrides'])[imageEncoder] : undefined;
  if (imageOverride !== undefined) fields['imageModel'] = imageOverride;
  if (facts.engine) fields['engine'] = facts.engine;
  return fields;
}

/** The text encoder's model override of a run (a local folder or model id), or null. */
export function textModelOverride(config: unknown): string | null {
  const c = asRecord(config);
  const encoder = c['textEncoder'];
  const override = typeof encoder === 'string' ? asRecord(c['modelOverrides'])[encoder] : undefined;
  return typeof override === 'string' ? override : null;
}

/** `set_` + 12 hex digits of the SHA-256 of the canonical JSON: equal fields, equal id, on every machine. */
export function settingId(fields: Record<string, unknown>): string {
  return `set_${createHash('sha256').update(canonicalJson(fields)).digest('hex').slice(0, 12)}`;
}

const paperFields = new Map<string, string | null>();

/**
 * The setting of the platform's default grid for a method: the paper's stated protocol (CLIP
 * ViT-B/32, quality MOS, 100 epochs, Adam at 1e-4, the paper's split ratio) with the documented
 * defaults where the paper is silent; for a method without training, the same grid's cell of that
 * method (its own options at their defaults). Tables 2 and 3 show this setting unless asked for
 * another, so an ablation never moves the headline rows. Null when the grid cannot hold the method.
 */
export function paperProtocolKey(method = 'fusion-head'): string | null {
  if (!paperFields.has(method)) paperFields.set(method, defaultGridFields(method));
  return paperFields.get(method) ?? null;
}

function defaultGridFields(method: string): string | null {
  const input = method === 'fusion-head' ? { encoders: ['bert-base'], fusions: ['cross_attention'], seeds: [0] } : { methods: [method] };
  const grid = GridSpecSchema.safeParse({ ...input, datasets: ['paper'] });
  if (!grid.success) return null;
  const cell = expandGrid(grid.data).find((c) => ((c as { method?: string }).method ?? 'fusion-head') === method);
  return cell ? canonicalJson(settingFields(runConfig(grid.data, cell, 'agiqa3k'), 'agiqa3k')) : null;
}

/** A setting as the API shows it: id, one-line summary, whether it is the paper's protocol for `method`. */
export function settingRef(fields: Record<string, unknown>, method = 'fusion-head'): SettingRef {
  return { id: settingId(fields), summary: summarize(fields), paperProtocol: isPaperProtocol(fields, method), fields };
}

/**
 * Whether a setting is the paper's protocol. The engine that ran is not part of the protocol
 * (any engine that runs the default grid follows it); every other field must match.
 */
function isPaperProtocol(fields: Record<string, unknown>, method: string): boolean {
  const { engine: _engine, ...rest } = fields;
  return canonicalJson(rest) === paperProtocolKey(method);
}

/** One line for captions and pickers: the fields a reader checks first, then whatever else is set. */
export function summarize(fields: Record<string, unknown>): string {
  const f = fields;
  const split = asRecord(f['split']);
  const train = split['train'] === 'paper' ? "paper's ratio" : `train ${shown(split['train'])}`;
  const parts = [
    shown(f['imageEncoder']),
    `label ${shown(f['label'])}`,
    `${shown(f['epochs'])} epochs`,
    `lr ${shown(f['learningRate'])}`,
    `batch ${shown(f['batchSize'])}`,
    `${shown(split['unit'])} split (${train}${Number(split['val']) > 0 ? `, val ${shown(split['val'])}` : ''})`,
    `report ${shown(f['reportRule'])}`,
    shown(f['trainingMode']),
  ];
  const head = changedOptions(f['head'], DEFAULT_GRID.head);
  if (head) parts.push(`head ${head}`);
  const features = changedOptions(f['features'], DEFAULT_GRID.features);
  if (features) parts.push(`features ${features}`);
  for (const key of Object.keys(f).sort()) {
    if (!SUMMARY_KEYS.has(key)) parts.push(`${key} ${canonicalJson(f[key])}`);
  }
  return parts.join(', ');
}

/** A field as text; `?` for one a run's config does not hold (rows written before the field existed). */
function shown(value: unknown): string {
  return value === undefined || value === null ? '?' : String(value);
}

const SUMMARY_KEYS = new Set(['imageEncoder', 'label', 'epochs', 'learningRate', 'batchSize', 'split', 'reportRule', 'trainingMode', 'head', 'features']);

const DEFAULT_GRID = GridSpecSchema.parse({ encoders: ['bert-base'], fusions: ['concat'], datasets: ['d'], seeds: [0] });

/** Options (of `head`, `features`) that differ from their defaults, `k=v` joined; '' when all are defaults. */
function changedOptions(options: unknown, defaultOptions: object): string {
  const defaults = asRecord(defaultOptions);
  return Object.entries(asRecord(options))
    .filter(([key, value]) => canonicalJson(value) !== canonicalJson(defaults[key]))
    .map(([key, value]) => `${key}=${canonicalJson(value)}`)
    .join(' ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
