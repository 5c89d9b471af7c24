import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../packageRoot.js';
import { ModelError } from './errors.js';
import { EmotionModel, type EmotionModelOptions } from './emotionModel.js';

/** The model shipped in models/, used when no other is named. */
export const DEFAULT_MODEL_PATH = join(packageRoot(), 'models', 'ser-default.onnx');

/** Reads an ONNX model file and opens it (see EmotionModel.fromBytes). */
export async function loadEmotionModel(path: string = DEFAULT_MODEL_PATH, options: EmotionModelOptions = {}): Promise<EmotionModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ModelError('MODEL_NOT_FOUND', `cannot read the emotion model ${path}: ${reason}`, { cause: err });
  }
  return EmotionModel.fromBytes(bytes, path, options);
}
