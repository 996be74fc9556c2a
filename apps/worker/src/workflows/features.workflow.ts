import { proxyActivities } from '@temporalio/workflow';
import type { CpuActivities } from '../activities/index.js';
import { EXTRACT_FEATURES } from './policies.js';
import type { FeatureRef, FeatureRequest } from './types.js';

const { extractFeatures } = proxyActivities<CpuActivities>(EXTRACT_FEATURES);

/**
 * Extracts one feature set (an encoder over a dataset). Its workflow id is the feature content key,
 * so every cell and sweep that needs the same features at the same time attaches to this one
 * execution (see `awaitFeatures`), and the encoder runs once.
 */
export async function FeatureWorkflow(request: FeatureRequest): Promise<FeatureRef> {
  return await extractFeatures(request);
}
