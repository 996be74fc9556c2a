import { artifactKeys, type Artifacts } from '@agiqa/artifacts';
import type { ReportRule, RunMetrics } from '@agiqa/contracts';
import type { EngineRunInfo } from '@agiqa/model';

/**
 * What a finished training attempt hands to `recordResults`: stored in the artefact store by the GPU
 * worker, read by a CPU worker (any machine), so that prediction arrays never travel through
 * Temporal payloads.
 */
export interface RunResultFile {
  runId: string;
  attempt: number;
  /** Null for a method without epochs (CLIP-IQA: `epochs` 0, `parameters` 0). */
  reportedEpoch: number | null;
  reportRule: ReportRule;
  optimistic: boolean;
  /** `rmse` is null where predictions are not on the MOS scale (CLIP-IQA's probabilities). */
  metrics: RunMetrics;
  backend: string;
  /** The engine as it reported it ran (absent in result files written before engines existed). */
  engine?: EngineRunInfo;
  parameters: number;
  epochs: number;
  /** Test-set predictions at the reported epoch, by dataset item key. */
  predictions: { key: string; predicted: number; mos: number }[];
}

/** Stores the result under the attempt's key in the artefact store (one atomic object); returns the key. */
export async function storeResultFile(artifacts: Artifacts, result: RunResultFile): Promise<string> {
  const key = artifactKeys.result(result.runId, result.attempt);
  await artifacts.putJson(key, result);
  return key;
}

export async function readResultFile(artifacts: Artifacts, key: string): Promise<RunResultFile> {
  return artifacts.getJson<RunResultFile>(key);
}

/** The run columns that say which engine trained it, on which device and in which dtype. */
export function engineColumns(info: EngineRunInfo) {
  const { device } = info;
  return {
    engine: info.engine,
    engineVersion: info.engineVersion,
    backend: info.backend,
    device: device.kind,
    deviceName: device.kind === 'cuda' && device.cudaVersion ? `${device.name}, CUDA ${device.cudaVersion}` : device.name,
    dtype: info.dtype,
  };
}
