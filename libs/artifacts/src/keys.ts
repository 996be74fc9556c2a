import { invalidInput } from '@agiqa/contracts';

/**
 * Store-relative keys: what rows and workflow payloads hold instead of a machine's path. A key is
 * `/`-separated segments of letters, digits, `.`, `_`, `-` and `=`; no empty segment, no `.` or `..`
 * segment, no leading or trailing `/`. The same key names the same artefact in every store
 * (`file://` folder or `s3://bucket/prefix`) and on every machine.
 */
const SEGMENT = /^[A-Za-z0-9._=-]+$/;

export function assertKey(key: string, what = 'artefact key'): string {
  const segments = typeof key === 'string' ? key.split('/') : [];
  const bad = segments.length === 0 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..');
  if (bad || key.length > 900) {
    throw invalidInput(`${what} "${String(key)}" is not a store-relative key (segments of [A-Za-z0-9._=-] joined by "/")`, [
      { path: what, message: 'not a store-relative key' },
    ]);
  }
  return key;
}

/** The layout of the store: one function per kind of artefact, so no caller spells a path. */
export const artifactKeys = {
  /** Folder (a tree, see `putTree`) of one feature set, by its content key. */
  featureSet: (contentKey: string) => assertKey(`features/${contentKey}`),
  /** Everything one attempt of a run writes. */
  attempt: (runId: string, attempt: number) => assertKey(`runs/${runId}/attempt-${attempt}`),
  /** A checkpoint of an attempt (`latest.ckpt` is overwritten every epoch). */
  checkpoint: (runId: string, attempt: number, name = 'latest.ckpt') => assertKey(`runs/${runId}/attempt-${attempt}/checkpoints/${name}`),
  /** The reported-epoch predictions and metrics of a finished training attempt. */
  result: (runId: string, attempt: number) => assertKey(`runs/${runId}/attempt-${attempt}/result.json`),
  /** An exported model (a tree) of a run. */
  exportedModel: (runId: string, format: string) => assertKey(`exports/${runId}/${format}`),
} as const;
