/**
 * Streams the bundled speech sample through the front end as a live call would arrive (20 ms chunks of 22.05 kHz
 * audio), resampled to 16 kHz and turned into the model's log spectrogram frames, and prints a loudness trace.
 * Run: npm run demo [-- file.wav|file.flac]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bufferCount, from, lastValueFrom, map, tap } from 'rxjs';
import { decodeAudioFile, resampleTo16k, spectrogramFrames, SPECTROGRAM } from '../src/index.js';

const path = process.argv[2] ?? fileURLToPath(new URL('../../examples/audio/caller.wav', import.meta.url));
const audio = await decodeAudioFile(await readFile(path), path);
const chunk = Math.round(audio.sampleRate / 50);
const chunks = Array.from({ length: Math.ceil(audio.samples.length / chunk) }, (_, i) => audio.samples.subarray(i * chunk, (i + 1) * chunk));
console.log(`${path}: ${audio.sampleRate} Hz, ${(audio.samples.length / audio.sampleRate).toFixed(2)} s, sent as ${chunks.length} chunks of 20 ms`);
console.log(`frames: ${SPECTROGRAM.bins} log-power bins every ${SPECTROGRAM.hopLength / 16} ms; one line per 100 ms (mean log power)\n`);

let frameCount = 0;
await lastValueFrom(
  from(chunks).pipe(
    resampleTo16k(audio.sampleRate),
    spectrogramFrames(),
    tap(() => frameCount++),
    bufferCount(10),
    map((frames) => {
      const mean = frames.reduce((sum, f) => sum + f.logPower.reduce((a, b) => a + b, 0) / f.logPower.length, 0) / frames.length;
      const bar = '#'.repeat(Math.max(0, Math.round((mean + 20) * 2)));
      return `${(frames[0].timeMs / 1000).toFixed(1).padStart(5)} s ${mean.toFixed(1).padStart(6)} ${bar}`;
    }),
    tap((line) => console.log(line)),
  ),
);
console.log(`\n${frameCount} frames`);
