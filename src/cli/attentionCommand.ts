import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSpectrogram } from '../stream/fileFeatures.js';
import { FRAME_MS } from '../stream/spectrogram.js';
import { SileroVad } from '../vad/sileroVad.js';
import { speechSegments } from '../vad/speechSegments.js';
import { renderFigure, type Utterance } from './attentionFigure.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { DEFAULT_MAX_FILE_MB, maxFileMb, maxFileOptionSpec, readAudioFile } from './audioFiles.js';
import { UsageError } from './usageError.js';

export const attentionUsage = `ser attention <audio file> [--out file.png|file.svg] [--model file.onnx] [--max-file-mb ${DEFAULT_MAX_FILE_MB}]

  Draws the log spectrogram, the model's attention map and the speech-activity score derived from it (the paper's
  Fig. 4) on one time axis, with the file's prediction as the title, frequency axes in Hz, colour scales, and the
  utterances the VAD finds shaded; prints the prediction. PNG, or SVG when --out ends in .svg; the default output
  is <file name>.attention.png.
${modelOptionsUsage()}`;

export async function attentionCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...maxFileOptionSpec, ...modelOptionSpec, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(attentionUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one audio file, got ${positionals.length}`);
  const input = positionals[0];
  const out = values.out ?? `${basename(input, extname(input))}.attention.png`;
  const format = extname(out).toLowerCase() === '.svg' ? 'svg' : extname(out).toLowerCase() === '.png' ? 'png' : undefined;
  if (!format) throw new UsageError(`--out must name a .png or .svg file, not '${out}'`);
  const { samples, spectrogram } = await fileSpectrogram(await readAudioFile(input, maxFileMb(values['max-file-mb'])), input);
  const model = await openModel(values);
  const vad = await SileroVad.load();
  try {
    const prediction = await model.predict(spectrogram);
    // Each utterance the VAD finds is also scored alone, as a live stream of the file would score it.
    const utterances: Utterance[] = [];
    for (const segment of await speechSegments(samples, vad)) {
      const [first, last] = [Math.floor(segment.startMs / FRAME_MS), Math.min(spectrogram.frames, Math.ceil(segment.endMs / FRAME_MS))];
      const frames = { frames: last - first, bins: spectrogram.bins, data: spectrogram.data.subarray(first * spectrogram.bins, last * spectrogram.bins) };
      const alone = await model.predict(frames);
      utterances.push({ ...segment, label: alone.label, probability: alone.probabilities[alone.label] });
    }
    const geometry = { stride: model.metadata.timeStride, offset: model.metadata.timeOffset };
    await writeFile(out, renderFigure({ title: basename(input), spectrogram, prediction, geometry, utterances }, format));
    const top = Object.entries(prediction.probabilities).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    console.error(`${input}: ${prediction.label} (${top}); ${utterances.length} utterances -> ${out}`);
  } finally {
    await Promise.all([model.close(), vad.close()]);
  }
  return 0;
}
