import type { ActivityDeps } from './deps.js';

/**
 * Resolves an encoder the way every activity must: the registry name, the grid's override for it
 * (a hub id or a local folder), and the worker's model settings. Feature extraction and latency
 * measurement resolving differently would measure a model other than the one trained on.
 */
export function resolveRunEncoder(
  deps: Pick<ActivityDeps, 'encoders' | 'models'>,
  name: string,
  kind: 'image' | 'text',
  override: string | undefined,
) {
  return deps.encoders.resolveEncoder(name, {
    kind,
    ...(override ? { overrides: { [name]: override } } : {}),
    modelsDir: deps.models.modelsDir,
    allowRemote: deps.models.allowRemote,
  });
}
