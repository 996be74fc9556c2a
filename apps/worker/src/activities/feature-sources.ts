import { artifactKeys } from '@agiqa/artifacts';
import type { FeatureRef } from '../workflows/types.js';
import type { ActivityDeps, EncoderToolkit } from './deps.js';
import type { ImageFeatureSource, TextFeatureSource } from './training-data.js';

/** Image features of a cached set, as `pooled` or `projected` vectors (grid `head.imageFeature`). */
export async function imageFeatureSource(
  encoders: Pick<EncoderToolkit, 'openImageFeatures'>,
  uri: string,
  kind: 'pooled' | 'projected',
): Promise<ImageFeatureSource> {
  const reader = await encoders.openImageFeatures(uri);
  return { dim: reader.dimOf(kind), vector: (key) => (reader.has(key) ? reader.vector(key, kind) : undefined) };
}

/** Text features of a cached set, keyed by prompt text (see `uniquePrompts`). */
export async function textFeatureSource(encoders: Pick<EncoderToolkit, 'openTextFeatures'>, uri: string): Promise<TextFeatureSource> {
  const reader = await encoders.openTextFeatures(uri);
  return {
    dim: reader.dim,
    tokens: (key) => {
      if (!reader.has(key)) return undefined;
      const feature = reader.get(key);
      return { data: feature.data, length: feature.tokens };
    },
  };
}

/** Opens a feature set through a local copy of its tree, released once the reader has loaded it. */
export async function withFeatureTree<T>(deps: Pick<ActivityDeps, 'artifacts'>, ref: FeatureRef, open: (dir: string) => Promise<T>): Promise<T> {
  // Payloads recorded before the artefact store carry no artifactKey; the layout names the tree.
  const copy = await deps.artifacts.materializeTree(ref.artifactKey ?? artifactKeys.featureSet(ref.key));
  try {
    return await open(copy.path);
  } finally {
    copy.release();
  }
}
