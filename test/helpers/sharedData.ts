import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The emotional speech corpora beside the repository (../shared/data), when this machine has them. */
export const SHARED_DATA = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data');
export const hasSharedData = existsSync(join(SHARED_DATA, 'manifest.csv'));
export const noSharedData = hasSharedData ? false : `no corpora at ${SHARED_DATA}`;

export interface ManifestRow {
  path: string;
  corpus: string;
  speaker: string;
  fold: number;
  emotion: string;
  duration_s: number;
  source_rate: number;
}

/** manifest.csv rows (its fields hold no commas or quotes). */
export function readManifest(): ManifestRow[] {
  const [header, ...lines] = readFileSync(join(SHARED_DATA, 'manifest.csv'), 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const row = Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
    return { ...row, fold: Number(row.fold), duration_s: Number(row.duration_s), source_rate: Number(row.source_rate) } as ManifestRow;
  });
}
