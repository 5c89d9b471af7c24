import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from './errors.js';
import { EmotionModel, type EmotionModelOptions } from './emotionModel.js';

/** The package's root: the nearest folder above this module with a package.json (src/ and dist/src/ alike). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

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
