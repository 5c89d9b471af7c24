import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_PATH } from '../src/model/loadModel.js';

export const PYTHON = process.env.SER_PYTHON ?? '/usr/bin/python3';

export function randomModel(lrn: 'plain' | 'native'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ser-bench-'));
  execFileSync(PYTHON, ['-m', 'ser_training.parity', dir, '--lengths', '31', '--lrn', lrn], { cwd: 'training', stdio: 'ignore' });
  return join(dir, 'model.onnx');
}

/** The shipped model if there is one, else a random-weight model of the same architecture (latency is the same). */
export function modelFile(): { path: string; random: boolean } {
  const given = process.argv[2];
  if (given) return { path: given, random: false };
  if (existsSync(DEFAULT_MODEL_PATH)) return { path: DEFAULT_MODEL_PATH, random: false };
  return { path: randomModel('plain'), random: true };
}

