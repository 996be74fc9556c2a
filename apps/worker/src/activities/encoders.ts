import type { FeatureOptions } from '@agiqa/contracts';
import type { ActivityDeps } from './deps.js';

/**
 * Resolves an encoder the way every activity must: the registry name, the grid's override for it
 * (a hub id or a local folder), the grid's feature options (dtype, image resize; fp32 and Pillow
 * when absent), and the worker's model settings. Feature extraction and latency measurement
 * resolving differently would measure a model other than the one trained on.
 */
export function resolveRunEncoder(
  deps: Pick<ActivityDeps, 'encoders' | 'models'>,
  name: string,
  kind: 'image' | 'text',
  override: string | undefined,
  features: FeatureOptions | undefined,
) {
  return deps.encoders.resolveEncoder(name, {
    kind,
    ...(override ? { overrides: { [name]: override } } : {}),
    modelsDir: deps.models.modelsDir,
    allowRemote: deps.models.allowRemote,
    ...(features ? { dtype: features.dtype, imageResize: features.resize } : {}),
    ...(deps.models.threads === undefined ? {} : { threads: deps.models.threads }),
    spinning: deps.models.spinning ?? false,
  });
}
