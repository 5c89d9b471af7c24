/**
 * The bundled demo calls (examples/audio/ravdess, RAVDESS speech under CC BY-NC-SA 4.0: see the LICENSE.md there) and
 * what each clip's actor was asked to act, so that a demo can print it beside the emotion the model heard.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface ActedClip {
  source: string;
  actor: number;
  acted: string;
  intensity: 'normal' | 'strong';
  startS: number;
  endS: number;
}

const FOLDER = new URL('../../examples/audio/ravdess/', import.meta.url);

export const demoCallPath = (name: string): string => fileURLToPath(new URL(name, FOLDER));

export async function demoCallClips(): Promise<Record<string, ActedClip[]>> {
  return JSON.parse(await readFile(new URL('calls.json', FOLDER), 'utf8')) as Record<string, ActedClip[]>;
}

/** The clip that overlaps the span from startMs to endMs the most, if any does. */
export function clipAt(clips: readonly ActedClip[], startMs: number, endMs: number): ActedClip | undefined {
  let best: ActedClip | undefined;
  let bestOverlap = 0;
  for (const clip of clips) {
    const overlap = Math.min(endMs, clip.endS * 1000) - Math.max(startMs, clip.startS * 1000);
    if (overlap > bestOverlap) [best, bestOverlap] = [clip, overlap];
  }
  return best;
}
