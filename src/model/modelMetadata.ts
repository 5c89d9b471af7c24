import onnxProto from 'onnx-proto';
import { SPECTROGRAM } from '../stream/spectrogram.js';
import { ModelError } from './errors.js';

/** What the training side writes into the ONNX file's metadata_props (training/ser_training/export.py). */
export interface ModelMetadata {
  formatVersion: number;
  modelId: string;
  /** Class labels in the order of the probabilities output. */
  labels: string[];
  encoder: string;
  attentionLambda: number;
  /** The shortest input, in spectrogram frames, that the network accepts. */
  minFrames: number;
  /** Attention cell j along time is centred on input frame timeOffset + timeStride * j. */
  timeStride: number;
  timeOffset: number;
  receptiveField: number;
  /**
   * Calibration temperature T fitted at training time (metadata `temperature`, 1 when absent): the runtime reports
   * p_c^(1/T) / sum_k p_k^(1/T), which for one network is softmax(logits / T).
   */
  temperature: number;
  /** Every other key, verbatim (training figures, data description, export time). */
  extra: Record<string, string>;
}

export const SUPPORTED_FORMAT_VERSION = 1;

const FEATURE_KEYS = {
  sample_rate: SPECTROGRAM.sampleRate,
  window_length: SPECTROGRAM.windowLength,
  hop_length: SPECTROGRAM.hopLength,
  dft_size: SPECTROGRAM.dftSize,
  bins: SPECTROGRAM.bins,
  log_floor: SPECTROGRAM.logFloor,
  window: SPECTROGRAM.window,
} as const;

/** Reads and checks the metadata of an ONNX model file's bytes. */
export function readModelMetadata(bytes: Uint8Array, name = 'model'): ModelMetadata {
  let props: Map<string, string>;
  try {
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    props = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  } catch (err) {
    throw new ModelError('MODEL_CORRUPT', `${name} is not a readable ONNX model: ${(err as Error).message}`, { cause: err });
  }
  const get = (key: string): string => {
    const value = props.get(key);
    if (value === undefined) throw new ModelError('MODEL_METADATA', `${name} lacks the metadata entry '${key}' (export it with training/ser_training/export.py)`);
    return value;
  };
  const number = (key: string): number => {
    const value = Number(get(key));
    if (!Number.isFinite(value)) throw new ModelError('MODEL_METADATA', `${name}: metadata '${key}' is not a number`);
    return value;
  };
  const formatVersion = number('format_version');
  if (formatVersion !== SUPPORTED_FORMAT_VERSION) {
    throw new ModelError('MODEL_METADATA', `${name} has metadata format ${formatVersion}; this runtime reads format ${SUPPORTED_FORMAT_VERSION}`);
  }
  const labels = parseJson(get('labels'), name, 'labels');
  if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string')) {
    throw new ModelError('MODEL_METADATA', `${name}: metadata 'labels' must be a JSON list of class names`);
  }
  checkFeatureParams(parseJson(get('feature_params'), name, 'feature_params'), name);

  const temperature = props.has('temperature') ? number('temperature') : 1;
  if (!(temperature > 0)) throw new ModelError('MODEL_METADATA', `${name}: metadata 'temperature' must be above 0, not ${temperature}`);

  const known = new Set(['format_version', 'model_id', 'labels', 'encoder', 'attention_lambda', 'min_frames', 'feature_params', 'time_stride', 'time_offset', 'receptive_field', 'temperature']);
  return {
    formatVersion,
    modelId: get('model_id'),
    labels,
    encoder: get('encoder'),
    attentionLambda: number('attention_lambda'),
    minFrames: number('min_frames'),
    timeStride: number('time_stride'),
    timeOffset: number('time_offset'),
    receptiveField: number('receptive_field'),
    temperature,
    extra: Object.fromEntries([...props].filter(([k]) => !known.has(k))),
  };
}

function parseJson(text: string, name: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelError('MODEL_METADATA', `${name}: metadata '${key}' is not valid JSON`);
  }
}

/** The model must have been trained on exactly the features this front end computes. */
function checkFeatureParams(params: unknown, name: string): void {
  const given = (params ?? {}) as Record<string, unknown>;
  for (const [key, expected] of Object.entries(FEATURE_KEYS)) {
    if (given[key] !== expected) {
      throw new ModelError(
        'FEATURES_MISMATCH',
        `${name} was trained on features with ${key} = ${JSON.stringify(given[key])}, but this front end computes ${JSON.stringify(expected)}`,
      );
    }
  }
}
