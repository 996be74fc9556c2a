import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgiqaError, IMAGE_ENCODER_NAMES, TEXT_ENCODER_NAMES } from '@agiqa/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, IMAGE_ENCODERS, resolveEncoder, resolveTorchEncoder, TEXT_ENCODERS } from './registry.js';

const scratch = mkdtempSync(join(tmpdir(), 'agiqa-registry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function catchAgiqa(fn: () => unknown): AgiqaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgiqaError) return error;
    throw error;
  }
  throw new Error('expected an AgiqaError');
}

describe('encoder registry', () => {
  it('has an entry for every name in the contracts, with the paper encoders pointing at ONNX repositories', () => {
    expect(Object.keys(TEXT_ENCODERS).sort()).toEqual([...TEXT_ENCODER_NAMES].sort());
    expect(Object.keys(IMAGE_ENCODERS).sort()).toEqual([...IMAGE_ENCODER_NAMES].sort());
    expect(TEXT_ENCODERS['bert-base']).toMatchObject({ modelId: 'Xenova/bert-base-uncased', dim: 768, maxTokens: 512 });
    expect(IMAGE_ENCODERS['clip-vit-b32']).toMatchObject({ modelId: 'Xenova/clip-vit-base-patch32', dim: 768, projectedDim: 512 });
    for (const spec of [...Object.values(TEXT_ENCODERS), ...Object.values(IMAGE_ENCODERS)]) {
      expect(spec.fixture === undefined || spec.description.includes('not a trained model'), spec.name).toBe(true);
    }
  });
});

describe(resolveEncoder.name, () => {
  it('rejects an unknown name, listing the valid ones', () => {
    const error = catchAgiqa(() => resolveEncoder('bert-large'));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('unknown encoder "bert-large"');
    for (const name of [...TEXT_ENCODER_NAMES, ...IMAGE_ENCODER_NAMES]) expect(error.message).toContain(name);
  });

  it('rejects an image encoder where a text encoder is required', () => {
    const error = catchAgiqa(() => resolveEncoder('tiny-clip', { kind: 'text' }));
    expect(error.message).toContain('unknown text encoder "tiny-clip"');
    expect(error.message).not.toContain('clip-vit-b32');
  });

  it('resolves a tiny fixture to its committed folder, pinned to fp32 on the CPU, with dims from its config', () => {
    const encoder = resolveEncoder('tiny-roberta');
    expect(encoder).toMatchObject({
      source: 'local',
      location: join(FIXTURES_DIR, 'tiny-roberta'),
      dtype: 'fp32',
      device: 'cpu',
      dim: 32,
      fixture: true,
      // 514 position embeddings, two reserved by RoBERTa's padding offset.
      maxTokens: 512,
    });
    expect(encoder.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveEncoder('tiny-clip')).toMatchObject({ kind: 'image', dim: 32, projectedDim: 16 });
  });

  it('says where it looked and how to provide files when a hub model is absent offline', () => {
    const error = catchAgiqa(() => resolveEncoder('bert-base', { modelsDir: scratch }));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain(join(scratch, 'Xenova/bert-base-uncased'));
    expect(error.message).toContain('tools/export_encoder_onnx.py');
    expect(error.message).toContain('AGIQA_ALLOW_REMOTE_MODELS=1');
    expect(catchAgiqa(() => resolveEncoder('bert-base')).message).toContain('AGIQA_MODELS_DIR is unset');
  });

  it('finds a model laid out as <modelsDir>/<model id> before going remote', () => {
    const modelsDir = join(scratch, 'models');
    mkdirSync(join(modelsDir, 'Xenova'), { recursive: true });
    cpSync(join(FIXTURES_DIR, 'tiny-bert'), join(modelsDir, 'Xenova', 'bert-base-uncased'), { recursive: true });
    const encoder = resolveEncoder('bert-base', { modelsDir, allowRemote: true });
    expect(encoder).toMatchObject({ source: 'local', modelId: 'Xenova/bert-base-uncased', revision: 'main', dim: 32, fixture: false });
    expect(encoder.location).toBe(join(modelsDir, 'Xenova', 'bert-base-uncased'));
  });

  it('goes to the hub when allowed and the model is not local', () => {
    const encoder = resolveEncoder('roberta', { modelsDir: scratch, allowRemote: true });
    expect(encoder).toMatchObject({ source: 'remote', location: 'Xenova/roberta-base', fingerprint: null, dim: 768, maxTokens: 512 });
  });

  it('takes an override that is a folder, and one that is a hub id', () => {
    const folder = resolveEncoder('bert-base', { overrides: { 'bert-base': join(FIXTURES_DIR, 'tiny-distilbert') } });
    expect(folder).toMatchObject({ source: 'local', location: join(FIXTURES_DIR, 'tiny-distilbert'), family: 'distilbert', dim: 32 });
    const hub = resolveEncoder('bert-base', { overrides: { 'bert-base': 'someone/bert-variant' }, allowRemote: true });
    expect(hub).toMatchObject({ source: 'remote', modelId: 'someone/bert-variant', revision: 'main' });
  });

  it('rejects an override folder that does not exist, naming the override field', () => {
    const error = catchAgiqa(() => resolveEncoder('distilbert', { overrides: { distilbert: join(scratch, 'nope') } }));
    expect(error.code).toBe('invalid_input');
    expect(error.details[0].path).toBe('modelOverrides.distilbert');
  });

  it('lists the files a model folder lacks', () => {
    const partial = join(scratch, 'partial');
    mkdirSync(join(partial, 'onnx'), { recursive: true });
    cpSync(join(FIXTURES_DIR, 'tiny-bert', 'config.json'), join(partial, 'config.json'));
    const error = catchAgiqa(() => resolveEncoder('tiny-bert', { overrides: { 'tiny-bert': partial } }));
    expect(error.code).toBe('not_found');
    expect(error.details.map((d) => d.path)).toEqual(['tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].map((f) => join(partial, f)));
  });
});

describe(resolveTorchEncoder.name, () => {
  it('resolves the tiny fixtures to their folders, which are Hugging Face folders too', () => {
    const text = resolveTorchEncoder('tiny-roberta', { kind: 'text' });
    expect(text).toMatchObject({ name: 'tiny-roberta', kind: 'text', folder: join(FIXTURES_DIR, 'tiny-roberta'), fixture: true, maxTokens: 512 });
    expect(resolveTorchEncoder('tiny-clip', { kind: 'image' })).toMatchObject({ folder: join(FIXTURES_DIR, 'tiny-clip'), maxTokens: null });
  });

  it('finds <modelsDir>/<PyTorch hub id> for the paper encoders, and says where it looked and what to put there otherwise', () => {
    const models = join(scratch, 'torch-models');
    const folder = join(models, 'google-bert/bert-base-uncased');
    mkdirSync(folder, { recursive: true });
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) cpSync(join(FIXTURES_DIR, 'tiny-bert', file), join(folder, file));
    expect(resolveTorchEncoder('bert-base', { modelsDir: models })).toMatchObject({ modelId: 'google-bert/bert-base-uncased', folder, fixture: false });
    const missing = catchAgiqa(() => resolveTorchEncoder('roberta', { modelsDir: models }));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain(join(models, 'FacebookAI/roberta-base'));
    expect(missing.message).toContain('config.json, model.safetensors, tokenizer_config.json');
  });

  it('takes an override folder, and names the files it lacks (an ONNX-only folder has no PyTorch weights)', () => {
    expect(resolveTorchEncoder('bert-base', { overrides: { 'bert-base': join(FIXTURES_DIR, 'tiny-bert') } }).folder).toBe(join(FIXTURES_DIR, 'tiny-bert'));
    const onnxOnly = catchAgiqa(() => resolveTorchEncoder('clip-vit-b32', { overrides: { 'clip-vit-b32': join(FIXTURES_DIR, 'tiny-clip-no-pooler') } }));
    expect(onnxOnly.code).toBe('not_found');
    expect(onnxOnly.message).toMatch(/tiny-clip-no-pooler lacks model\.safetensors, which fine-tuning needs/);
  });
});
