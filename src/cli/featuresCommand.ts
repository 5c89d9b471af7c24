import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeAudioFile } from '../stream/audioFile.js';
import { resampleAll } from '../stream/resampler.js';
import { logSpectrogram } from '../stream/spectrogram.js';
import { telephoneChannel } from '../stream/telephoneChannel.js';
import { encodeNpyFloat32 } from './npy.js';
import { Progress } from './progress.js';
import { UsageError } from './usageError.js';

export const featuresUsage = `ser features <manifest.csv> --out <folder> [--channel wideband,telephone] [--quiet]

  The batch form of ser spectrogram, for training: for every file listed in the manifest's 'path' column (relative
  to the manifest's folder), writes <folder>/<channel>/<path>.npy. Channels: 'wideband' (the file as it is) and
  'telephone' (through a phone line first: 8 kHz, G.711 mu-law, back to 16 kHz). Files already written are kept,
  so an interrupted run resumes. Progress goes to stderr: redrawn in place on a terminal (files done, rate, time
  left), a line every 250 files otherwise; --quiet turns it off.`;

const CHANNELS = ['wideband', 'telephone'] as const;
type Channel = (typeof CHANNELS)[number];

export async function featuresCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string', short: 'o' }, channel: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(featuresUsage);
    return 0;
  }
  const outDir = values.out;
  if (positionals.length !== 1 || !outDir) throw new UsageError(`expected a manifest and --out`);
  const channels = (values.channel ?? CHANNELS.join(',')).split(',') as Channel[];
  const unknown = channels.find((c) => !CHANNELS.includes(c));
  if (unknown) throw new UsageError(`unknown channel '${unknown}': choose from ${CHANNELS.join(', ')}`);

  const manifest = positionals[0];
  const [header, ...rows] = (await readFile(manifest, 'utf8')).trim().split('\n');
  const pathColumn = header.split(',').indexOf('path');
  if (pathColumn < 0) throw new UsageError(`${manifest} has no 'path' column`);
  const paths = rows.map((row) => row.split(',')[pathColumn]);
  if (paths.length === 0) throw new UsageError(`${manifest} lists no files`);
  const terminal = process.stderr.isTTY === true && !values.quiet;
  const progress = new Progress(paths.length, 'files', process.stderr, terminal);

  let written = 0;
  for (const [i, path] of paths.entries()) {
    const targets = channels.map((c) => ({ channel: c, file: join(outDir, c, path.replace(/\.[^./]+$/, '.npy')) }));
    const todo = targets.filter((t) => !existsSync(t.file));
    if (todo.length > 0) {
      const audio = await decodeAudioFile(await readFile(join(dirname(manifest), path)), path);
      const wideband = await resampleAll(audio.samples, audio.sampleRate);
      for (const { channel, file } of todo) {
        const spectrogram = logSpectrogram(channel === 'telephone' ? await telephoneChannel(wideband) : wideband);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, encodeNpyFloat32(spectrogram.data, [spectrogram.frames, spectrogram.bins]));
        written++;
      }
    }
    progress.tick();
    if (!terminal && !values.quiet && ((i + 1) % 250 === 0 || i + 1 === paths.length)) console.error(`${i + 1}/${paths.length} files, ${written} feature files written`);
  }
  progress.clear();
  if (terminal) console.error(`${paths.length} files, ${written} feature files written`);
  return 0;
}
