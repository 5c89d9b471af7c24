import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON } from './python.js';

/** Runs training/ser_training/parity.py: a random-weight model and PyTorch's outputs for it, in a new folder. */
export function makeParityFixture(encoder: string, lengths: number[], norm = 'lrn', pooling = 'attention'): string {
  const out = mkdtempSync(join(tmpdir(), `ser-parity-${encoder}-`));
  execFileSync(PYTHON, ['-m', 'ser_training.parity', out, '--encoder', encoder, '--norm', norm, '--pooling', pooling, '--lengths', lengths.join(',')], {
    cwd: 'training',
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}
