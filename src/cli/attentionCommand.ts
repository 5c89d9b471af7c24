import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { fileSpectrogram } from '../stream/fileFeatures.js';
import { renderAttention } from './attentionImage.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { DEFAULT_MAX_FILE_MB, maxFileMb, maxFileOptionSpec, readAudioFile } from './audioFiles.js';
import { UsageError } from './usageError.js';

export const attentionUsage = `ser attention <audio file> [--out file.png] [--model file.onnx] [--max-file-mb ${DEFAULT_MAX_FILE_MB}]

  Draws the log spectrogram over the model's attention map and the speech-activity score derived from it (the
  paper's Fig. 4) as a PNG, and prints the prediction. The default output is <file name>.attention.png.
${modelOptionsUsage}`;

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
  const { spectrogram } = await fileSpectrogram(await readAudioFile(input, maxFileMb(values['max-file-mb'])), input);
  const model = await openModel(values);
  try {
    const prediction = await model.predict(spectrogram);
    const image = renderAttention(spectrogram, prediction, { stride: model.metadata.timeStride, offset: model.metadata.timeOffset });
    const png = new PNG({ width: image.width, height: image.height });
    png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    await writeFile(out, PNG.sync.write(png));
    const top = Object.entries(prediction.probabilities).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    console.error(`${input}: ${prediction.label} (${top}) -> ${out} ${image.width}x${image.height}`);
  } finally {
    await model.close();
  }
  return 0;
}
