import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODEL_PATH } from '../../src/model/loadModel.js';
import { makeParityFixture } from './parityFixture.js';
import { missingPython } from './python.js';

/** The shipped model when there is one, else a random-weight model made by the training code; undefined if neither. */
export function testModelPath(): { path: string; trained: boolean } | undefined {
  if (existsSync(DEFAULT_MODEL_PATH)) return { path: DEFAULT_MODEL_PATH, trained: true };
  if (missingPython('torch', 'onnx')) return undefined;
  return { path: join(makeParityFixture('alexnet', [31]), 'model.onnx'), trained: false };
}
