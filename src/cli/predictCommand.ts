import { parseArgs } from 'node:util';
import type { EmotionPrediction } from '../model/emotionModel.js';
import { fileSpectrogram } from '../stream/fileFeatures.js';
import { DEFAULT_MAX_FILE_MB, listAudioFiles, maxFileMb, maxFileOptionSpec, readAudioFile } from './audioFiles.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { Progress } from './progress.js';
import { UsageError } from './usageError.js';

export const predictUsage = `ser predict <audio files or folders...> [--model file.onnx] [--device auto|cuda|webgpu|cpu] [--threads n]
            [--max-file-mb ${DEFAULT_MAX_FILE_MB}] [--quiet]

  Prints one JSON line per WAV or FLAC file (folders are searched recursively, each folder and file once, links
  followed): the emotion label, the probability of each class, and a summary of the attention-based speech activity
  (mean score, the share of 10 ms frames scoring 0.5 or more). A path that cannot be scored (missing, not a regular
  file, larger than --max-file-mb, not audio) gets a line with "error" instead, the others are still scored, and the
  exit status is then 1. No audio file at all is a usage error (exit status 2). On a terminal, stderr shows how many
  files are done, the rate and the time left; --quiet turns that off.
${modelOptionsUsage()}`;

/** Activity scores at or above this count as speech in the summary. */
const ACTIVE = 0.5;

export function summarise(file: string, durationS: number, p: EmotionPrediction) {
  const active = p.activity.reduce((n, s) => n + (s >= ACTIVE ? 1 : 0), 0);
  const mean = p.activity.reduce((a, b) => a + b, 0) / Math.max(1, p.activity.length);
  return {
    file,
    label: p.label,
    probabilities: Object.fromEntries(Object.entries(p.probabilities).map(([k, v]) => [k, round(v)])),
    duration_s: round(durationS),
    frames: p.frames,
    padded: p.padded,
    activity: { mean: round(mean), speech_ratio: round(active / Math.max(1, p.activity.length)) },
  };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

export async function predictCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...modelOptionSpec, ...maxFileOptionSpec, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) {
    console.log(predictUsage);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`expected audio files or folders`);
  const maxMb = maxFileMb(values['max-file-mb']);
  const files = await listAudioFiles(positionals);
  if (files.length === 0) throw new UsageError(`no .wav or .flac file in ${positionals.join(', ')}`);
  const model = await openModel(values);
  const progress = new Progress(files.length, 'files', process.stderr, process.stderr.isTTY === true && !values.quiet);
  let failures = 0;
  const print = (line: object) => {
    progress.clear();
    console.log(JSON.stringify(line));
  };
  try {
    for (const { file, error } of files) {
      try {
        if (error) throw error;
        const { audio, spectrogram } = await fileSpectrogram(await readAudioFile(file, maxMb), file);
        const prediction = await model.predict(spectrogram);
        print(summarise(file, audio.samples.length / audio.sampleRate, prediction));
      } catch (err) {
        failures++;
        const e = err as Error & { code?: string };
        print({ file, error: { code: e.code ?? e.name, message: e.message } });
      }
      progress.tick();
    }
  } finally {
    progress.clear();
    await model.close();
  }
  return failures > 0 ? 1 : 0;
}
