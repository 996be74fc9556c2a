import {
  extractImageFeatures,
  extractTextFeatures,
  featureKey,
  openImageFeatures,
  openTextFeatures,
  preprocessingFor,
  resolveEncoder,
} from '@agiqa/model';
import type { EncoderToolkit } from './deps.js';

/** libs/model's encoder functions, as the worker process injects them (tests wrap some of them). */
export const MODEL_ENCODER_TOOLKIT: EncoderToolkit = {
  resolveEncoder,
  featureKey,
  preprocessingFor,
  extractTextFeatures,
  extractImageFeatures,
  openTextFeatures,
  openImageFeatures,
};
