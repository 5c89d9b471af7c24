import { CodedError } from '../stream/errors.js';

/** Typed errors of the model layer: a model file that cannot be used, or an input the model cannot take. */
export type ModelErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_CORRUPT'
  | 'MODEL_METADATA'
  | 'FEATURES_MISMATCH'
  | 'INPUT_INVALID'
  | 'INPUT_TOO_SHORT'
  | 'INFERENCE_FAILED'
  | 'MODEL_CLOSED';

export class ModelError extends CodedError<ModelErrorCode> {}
