import {
  extractImageFeatures,
  extractTextFeatures,
  featureKey,
  openImageFeatures,
  openTextFeatures,
  preprocessingFor,
  resolveEncoder,
  resolveTorchEncoder,
} from '@agiqa/model';
import type { EncoderToolkit } from './deps.js';

/** libs/model's encoder functions, as the worker process injects them (tests wrap some of them). */
export const MODEL_ENCODER_TOOLKIT: EncoderToolkit = {
  resolveEncoder,
  resolveTorchEncoder,
  featureKey,
  preprocessingFor,
  extractTextFeatures,
  extractImageFeatures,
  openTextFeatures,
  openImageFeatures,
};
