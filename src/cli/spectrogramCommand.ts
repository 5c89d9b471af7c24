import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSpectrogram } from '../stream/fileFeatures.js';
import { SPECTROGRAM } from '../stream/spectrogram.js';
import { encodeNpyFloat32 } from './npy.js';
import { DEFAULT_MAX_FILE_MB, maxFileMb, maxFileOptionSpec, readAudioFile } from './audioFiles.js';
import { UsageError } from './usageError.js';

export const spectrogramUsage = `ser spectrogram <audio file> [--out file.npy] [--max-file-mb ${DEFAULT_MAX_FILE_MB}]

  Writes the log spectrogram of a WAV or FLAC file (any rate from 8 to 192 kHz, mixed to mono and resampled to
  16 kHz) as a NumPy float32 array of shape [frames, ${SPECTROGRAM.bins}]: ${SPECTROGRAM.windowLength}-sample Hamming window, ${SPECTROGRAM.hopLength}-sample shift,
  ${SPECTROGRAM.dftSize}-point DFT, ln(power + ${SPECTROGRAM.logFloor}). The default output is <file name>.npy in the current directory.`;

export async function spectrogramCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...maxFileOptionSpec, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(spectrogramUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one audio file, got ${positionals.length}`);
  const input = positionals[0];
  const out = values.out ?? `${basename(input, extname(input))}.npy`;
  const { audio, spectrogram } = await fileSpectrogram(await readAudioFile(input, maxFileMb(values['max-file-mb'])), input);
  await writeFile(out, encodeNpyFloat32(spectrogram.data, [spectrogram.frames, spectrogram.bins]));
  console.error(
    `${input}: ${audio.format}, ${audio.sampleRate} Hz, ${audio.channels} channel(s), ` +
      `${(audio.samples.length / audio.sampleRate).toFixed(3)} s -> ${out} [${spectrogram.frames}, ${spectrogram.bins}] float32`,
  );
  return 0;
}
