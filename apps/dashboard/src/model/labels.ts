import {
  FUSION_NAMES,
  PAPER_ENCODER_KEY,
  TEXT_ENCODER_NAMES,
  type FusionName,
  type RunStatus,
  type TextEncoderName,
} from '@agiqa/contracts';

/** Display names of the fusions, as the paper's Table 1 heads its columns. */
export const FUSION_LABEL: Record<FusionName, string> = {
  concat: 'Concatenation',
  cosine: 'Cosine similarity',
  cross_attention: 'Cross-attention',
};

/** Display names of the text encoders; tiny fixtures say what they are. */
export const ENCODER_LABEL: Record<TextEncoderName, string> = {
  'bert-base': 'BERT-base',
  distilbert: 'DistilBERT',
  roberta: 'RoBERTa',
  'tiny-bert': 'tiny-bert (random fixture)',
  'tiny-distilbert': 'tiny-distilbert (random fixture)',
  'tiny-roberta': 'tiny-roberta (random fixture)',
};

/** The paper's Table-1 row keys (`bert_base`, …) back to our encoder names. */
const ENCODER_BY_PAPER_ROW = new Map<string, TextEncoderName>(
  TEXT_ENCODER_NAMES.flatMap((name) => {
    const row = PAPER_ENCODER_KEY[name];
    return row === null ? [] : [[row, name] as const];
  }),
);

export function isTextEncoderName(name: string): name is TextEncoderName {
  return (TEXT_ENCODER_NAMES as readonly string[]).includes(name);
}

export function isFusionName(name: string): name is FusionName {
  return (FUSION_NAMES as readonly string[]).includes(name);
}

/**
 * Our encoder name for a name the API sent, which may be ours (`bert-base`) or the paper's row key
 * (`bert_base`); null when it is neither.
 */
export function toEncoderName(name: string): TextEncoderName | null {
  if (isTextEncoderName(name)) return name;
  return ENCODER_BY_PAPER_ROW.get(name) ?? null;
}

/**
 * Tiny fixtures are randomly initialised: their figures exercise the platform and are never
 * comparable with the paper's.
 */
export function isTinyEncoder(name: string): boolean {
  const known = toEncoderName(name);
  return known !== null && PAPER_ENCODER_KEY[known] === null;
}

/**
 * The row and column a run of a method without text encoder and fusion (CLIP-IQA) takes in an
 * encoder × fusion grid: its method, zero-shot.
 */
export const ZERO_SHOT = 'zero-shot';
const METHOD_LABEL: Record<string, string> = { 'clip-iqa': 'CLIP-IQA', [ZERO_SHOT]: 'Zero-shot' };

/** A text encoder's display name; a method's name where the run has no text encoder (CLIP-IQA). */
export function encoderLabel(name: string | null): string {
  if (name === null) return MISSING_PART;
  const known = toEncoderName(name);
  return known === null ? (METHOD_LABEL[name] ?? name) : ENCODER_LABEL[known];
}

export function fusionLabel(name: string | null): string {
  if (name === null) return MISSING_PART;
  return isFusionName(name) ? FUSION_LABEL[name] : (METHOD_LABEL[name] ?? name);
}

/** What a run without a text encoder or fusion (CLIP-IQA) shows in their place. */
const MISSING_PART = '—';

/** Colours of run statuses, shared by progress bars, the cell grid and legends. */
export const STATUS_COLOR: Record<RunStatus, string> = {
  completed: '#2e7d32',
  failed: '#c62828',
  cancelled: '#8d6e63',
  running: '#1565c0',
  pending: '#9e9e9e',
};

/** Row order of Table 1: the paper's order first (DistilBERT, RoBERTa, BERT-base), then the rest. */
export const TABLE1_ROW_ORDER: readonly TextEncoderName[] = [
  'distilbert',
  'roberta',
  'bert-base',
  'tiny-distilbert',
  'tiny-roberta',
  'tiny-bert',
];
