import type { Device } from '../model/sessionOptions.js';
import { loadEmotionModel, DEFAULT_MODEL_PATH } from '../model/loadModel.js';
import { UsageError } from './usageError.js';

/** Options shared by the commands that run the model. */
export const modelOptionSpec = {
  model: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  workers: { type: 'string' },
} as const;

/** The usage lines of those options; `workersDefault` says what --workers is when not given. */
export const modelOptionsUsage = (workersDefault = '1') => `  --model file.onnx   the model to run (default: the shipped ${DEFAULT_MODEL_PATH.split('/').slice(-2).join('/')})
  --device name       auto (default: CUDA, then WebGPU, then CPU), cuda, webgpu or cpu
  --threads n         threads per inference (default 1)
  --workers n         inference threads, each with its own session, scoring utterances side by side (default ${workersDefault})`;

function positive(values: Record<string, string | undefined>, name: string): number | undefined {
  const given = values[name];
  const n = given === undefined ? undefined : Number(given);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new UsageError(`--${name} must be a positive integer, not '${given}'`);
  return n;
}

/** `defaultWorkers`: the inference threads when --workers is not given (the model's own default, 1, if undefined). */
export function openModel(values: { model?: string; device?: string; threads?: string; workers?: string }, defaultWorkers?: number) {
  const threads = positive(values, 'threads');
  const workers = positive(values, 'workers') ?? defaultWorkers;
  const device = (values.device ?? 'auto') as Device;
  if (!['auto', 'cuda', 'webgpu', 'cpu'].includes(device)) throw new UsageError(`--device must be auto, cuda, webgpu or cpu, not '${device}'`);
  return loadEmotionModel(values.model ?? DEFAULT_MODEL_PATH, { device, threads, workers });
}
