import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactKeys, isTransientStoreError, retryWhileUnavailable } from '@agiqa/artifacts';
import type { ReportRule } from '@agiqa/contracts';
import { reportedEpochOf, type EpochReport } from '@agiqa/model';
import type { ActivityDeps } from './deps.js';

/** Name of the reported epoch's checkpoint beside `latest.ckpt` (locally and in the store). */
export const REPORTED_CHECKPOINT = 'reported.ckpt';

type Scores = Pick<EpochReport, 'epoch' | 'val' | 'test'>;

interface ReportedCheckpointOptions {
  runId: string;
  attempt: number;
  rule: ReportRule;
  /** The attempt's local checkpoint folder. */
  checkpointDir: string;
  /** Epoch of the checkpoint an earlier try of this attempt stored under the key (heartbeat details). */
  storedEpoch: number | null;
  /** The epochs recorded before `epoch` (EpochMetric rows), read once when training resumes. */
  earlierEpochs: (epoch: number) => Promise<Scores[]>;
  log: { warn(message: string): void };
}

/**
 * Keeps the checkpoint of the epoch the run's report rule selects (best-on-val / best-on-test)
 * beside the latest one, whatever engine trains: after each epoch that is the reported one so far
 * (`reportedEpochOf`, the rule trainHead applies), its checkpoint is copied locally and stored under
 * `runs/<run>/attempt-<n>/checkpoints/reported.ckpt`. At the end the key is claimed only if the
 * stored copy is of the epoch the trainer reported: a copy of another epoch is never passed off as
 * it. Under `last` the reported checkpoint is the latest one.
 */
export class ReportedCheckpoint {
  readonly key: string;
  /** Epoch of the checkpoint stored under `key` (a heartbeat detail, so that a retry knows it). */
  storedEpoch: number | null;
  /** A local copy the store did not take (unreachable at that epoch), to store at the end. */
  private pending: { epoch: number; path: string } | null = null;
  private history: Scores[] | null = null;

  constructor(
    private readonly deps: Pick<ActivityDeps, 'artifacts'>,
    private readonly options: ReportedCheckpointOptions,
  ) {
    this.key = artifactKeys.checkpoint(options.runId, options.attempt, REPORTED_CHECKPOINT);
    this.storedEpoch = options.storedEpoch;
  }

  /** After an epoch whose checkpoint is `localCheckpoint` (a path or file: URI): keeps it when it is the reported epoch so far. */
  async afterEpoch(report: EpochReport, localCheckpoint: string | null): Promise<void> {
    if (this.options.rule === 'last' || localCheckpoint === null) return;
    this.history ??= await this.options.earlierEpochs(report.epoch);
    this.history.push(report);
    if (reportedEpochOf(this.options.rule, this.history) !== report.epoch) return;
    const copy = join(this.options.checkpointDir, REPORTED_CHECKPOINT);
    await copyFile(localCheckpoint.startsWith('file:') ? fileURLToPath(localCheckpoint) : localCheckpoint, copy);
    try {
      await this.deps.artifacts.putFile(this.key, copy);
      this.storedEpoch = report.epoch;
      this.pending = null;
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      this.options.log.warn(`reported-epoch checkpoint not stored this epoch (${(error as Error).message}); stored at the end`);
      this.pending = { epoch: report.epoch, path: copy };
    }
  }

  /**
   * The key of the reported epoch's checkpoint once training has reported `reportedEpoch`, or null
   * when no stored checkpoint is of that epoch (e.g. a resumed attempt whose earlier epochs were not
   * all recorded). `latestKey`: the stored latest checkpoint, which `last` reports.
   */
  async finish(reportedEpoch: number, latestKey: string | null, patience: Parameters<typeof retryWhileUnavailable>[1]): Promise<string | null> {
    if (this.options.rule === 'last') return latestKey;
    const pending = this.pending;
    if (pending !== null && pending.epoch === reportedEpoch) {
      await retryWhileUnavailable(() => this.deps.artifacts.putFile(this.key, pending.path), patience);
      this.storedEpoch = pending.epoch;
      this.pending = null;
    }
    if (this.storedEpoch === reportedEpoch) return this.key;
    this.options.log.warn(`run ${this.options.runId}: no stored checkpoint of the reported epoch ${reportedEpoch} (kept: ${this.storedEpoch ?? 'none'})`);
    return null;
  }
}
