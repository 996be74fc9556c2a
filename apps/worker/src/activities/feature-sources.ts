import type { EncoderToolkit } from './deps.js';
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
