import { artifactKeys, DamagedObjectError, type Artifacts, type LocalCopy } from '@agiqa/artifacts';
import { CHECKPOINT_FILE, TORCH_CHECKPOINT_FILE, type TrainingEngine } from '@agiqa/model';

/** The checkpoint file of each engine, as it is named in the store under an attempt. */
const ENGINE_CHECKPOINT_FILES = [CHECKPOINT_FILE, TORCH_CHECKPOINT_FILE] as const;

/**
 * The attempt's stored checkpoint of this engine to resume from, as a local copy, or null when
 * training starts over: there is none yet; or it was written by the other engine (a retry that
 * landed on a worker whose `auto` picks differently), which cannot be continued; or it is damaged
 * in the store itself (two reads, same wrong bytes): retrying would read the same damage until the
 * cell fails, so the attempt starts over and says why. A damaged transfer is thrown (retried).
 */
export async function resumeCheckpoint(
  artifacts: Pick<Artifacts, 'stat' | 'materializeUnlessDamaged'>,
  engine: Pick<TrainingEngine, 'name' | 'checkpointFile'>,
  runId: string,
  attempt: number,
  warn: (message: string) => void,
): Promise<{ key: string; copy: LocalCopy } | null> {
  const key = artifactKeys.checkpoint(runId, attempt, engine.checkpointFile);
  if (await artifacts.stat(key)) {
    const copy = await artifacts.materializeUnlessDamaged(key);
    if (!(copy instanceof DamagedObjectError)) return { key, copy };
    warn(`checkpoint not resumed: ${copy.message}; training starts over`);
    return null;
  }
  for (const name of ENGINE_CHECKPOINT_FILES) {
    const other = artifactKeys.checkpoint(runId, attempt, name);
    if (name !== engine.checkpointFile && (await artifacts.stat(other))) {
      warn(`checkpoint ${other} was written by another training engine than ${engine.name}; training starts over`);
    }
  }
  return null;
}
