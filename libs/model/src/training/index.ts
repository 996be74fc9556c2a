export { Adam, type AdamConfig, type AdamState } from './adam.js';
export { CHECKPOINT_FILE, checkpointPath, readCheckpoint, writeCheckpoint } from './checkpoint.js';
export { EpochLedger, isBetterEpoch, reportedEpochOf, type BestEpoch, type EpochReport, type LedgerResult, type LedgerState } from './epoch-ledger.js';
export {
  trainHead,
  validatePromptIndex,
  validateRunOptions,
  validateTargets,
  validateTrainHeadInput,
  type RunOptions,
  type SplitData,
  type TextTable,
  type TrainHeadInput,
  type TrainHeadResult,
} from './train-head.js';
export { restoreHead, type HeadInputBatch, type RestoredHead } from './restore-head.js';
export { makeSyntheticFeatureTask, type SyntheticTask, type SyntheticTaskOptions } from './synthetic.js';
