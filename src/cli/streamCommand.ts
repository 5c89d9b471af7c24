import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { EmotionPlugin } from '../plugin/emotionPlugin.js';
import { decodeAudioFile } from '../stream/audioFile.js';
import { modelOptionSpec, modelOptionsUsage, openModel } from './modelOptions.js';
import { UsageError } from './usageError.js';

export const streamUsage = `ser stream <audio file> [--realtime] [--chunk-ms 20] [--interim-ms n] [--adaptation none|caller] [--model file.onnx]

  Runs the whole live pipeline over a recording as if it were a call (20 ms chunks at the file's own rate, resampled,
  VAD, whole-utterance inference) and prints every event a host would receive as one JSON line. --realtime paces the
  chunks in real time; otherwise they go as fast as the pipeline takes them. --interim-ms turns on interim estimates;
  --adaptation caller corrects each utterance by the recording's earlier ones (README, Adaptation to the caller).
${modelOptionsUsage()}`;

export async function streamCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...modelOptionSpec,
      realtime: { type: 'boolean' },
      'chunk-ms': { type: 'string' },
      'interim-ms': { type: 'string' },
      adaptation: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(streamUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one audio file, got ${positionals.length}`);
  const chunkMs = Number(values['chunk-ms'] ?? 20);
  const interimMs = Number(values['interim-ms'] ?? 0);
  if (!(chunkMs > 0) || !(interimMs >= 0)) throw new UsageError('--chunk-ms must be positive and --interim-ms not negative');
  const adaptation = values.adaptation ?? 'none';
  if (adaptation !== 'none' && adaptation !== 'caller') throw new UsageError(`--adaptation is none or caller, not '${adaptation}'`);
  const audio = await decodeAudioFile(await readFile(positionals[0]), positionals[0]);
  const plugin = await EmotionPlugin.create({ model: await openModel(values) });
  try {
    const stream = await plugin.openStream({ sampleRate: audio.sampleRate }, { id: positionals[0], interimMs, adaptation });
    let errors = 0;
    stream.on('*', (event) => {
      if (event.type === 'error') errors++;
      console.log(JSON.stringify(event));
    });
    const size = Math.max(1, Math.round((audio.sampleRate * chunkMs) / 1000));
    const started = performance.now();
    for (let i = 0, n = 0; i < audio.samples.length; i += size, n++) {
      const processed = stream.push(audio.samples.subarray(i, i + size));
      if (!values.realtime) await processed;
      else await sleep(Math.max(0, started + (n + 1) * chunkMs - performance.now()));
    }
    await stream.close();
    return errors > 0 ? 1 : 0;
  } finally {
    await plugin.close();
    await plugin.model.close();
  }
}
