import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

const AUDIO_EXTENSIONS = new Set(['.wav', '.flac']);

/** The given files, and the WAV and FLAC files under the given folders (recursively, sorted). */
export async function listAudioFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const entries = await readdir(path, { recursive: true });
      files.push(...entries.filter((e) => AUDIO_EXTENSIONS.has(extname(e).toLowerCase())).sort().map((e) => join(path, e)));
    } else {
      files.push(path);
    }
  }
  return files;
}
