import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import wavefile from 'wavefile';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { logSpectrogram, type Spectrogram } from '../src/stream/spectrogram.js';
import { telephoneChannel } from '../src/stream/telephoneChannel.js';
import { readNpy } from './helpers/npy.js';
import { PYTHON, missingPython } from './helpers/python.js';

const TRAINING = join(import.meta.dirname, '..', 'training');

function meanAbsDifference(a: Spectrogram, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b[i]);
  return sum / a.data.length;
}

// Training on a machine without Node.js reads features of ser_training.portable_frontend: they must be the front
// end's own for wideband audio, and close to its telephone channel.
t.test('the numpy port of the front end matches it', { skip: missingPython('numpy', 'scipy') }, async (t) => {
  const caller = await decodeAudioFile(readFileSync(join(import.meta.dirname, '..', 'examples', 'audio', 'caller.wav')));
  const speech = await resampleAll(caller.samples, caller.sampleRate);
  const pcm = Int16Array.from(speech, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))));
  const samples = Float32Array.from(pcm, (v) => v / 32768);

  const dir = mkdtempSync(join(tmpdir(), 'ser-portable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, 16000, '16', pcm);
  writeFileSync(join(dir, 'speech.wav'), wav.toBuffer());
  execFileSync(PYTHON, ['-c', `
import numpy as np
from ser_training.portable_frontend import log_spectrogram, read_wav16, telephone_channel
s = read_wav16("${dir}/speech.wav")
np.save("${dir}/wideband.npy", log_spectrogram(s))
np.save("${dir}/telephone.npy", log_spectrogram(telephone_channel(s)))
`], { cwd: TRAINING });

  const wideband = logSpectrogram(samples);
  const portable = readNpy(join(dir, 'wideband.npy'));
  t.same(portable.shape, [wideband.frames, 200]);
  let worst = 0;
  for (let i = 0; i < wideband.data.length; i++) worst = Math.max(worst, Math.abs(wideband.data[i] - portable.data[i]));
  // The front end's DFT is single precision, the port's double: hundredths of a decibel in the quietest bins.
  t.ok(worst < 1e-2, `wideband: largest difference ${worst}`);
  t.ok(meanAbsDifference(wideband, portable.data) < 1e-4, `wideband: mean difference ${meanAbsDifference(wideband, portable.data)}`);

  const telephone = logSpectrogram(await telephoneChannel(samples));
  const portableTelephone = readNpy(join(dir, 'telephone.npy'));
  t.same(portableTelephone.shape, [telephone.frames, 200]);
  const channelGap = meanAbsDifference(telephone, wideband.data);
  const portGap = meanAbsDifference(telephone, portableTelephone.data);
  t.ok(portGap < channelGap / 3, `telephone: port differs by ${portGap.toFixed(3)}, the channel itself by ${channelGap.toFixed(3)}`);
});
