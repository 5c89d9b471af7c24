import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { from, lastValueFrom, toArray } from 'rxjs';
import { RealDftPower } from '../src/stream/realDftPower.js';
import { AudioInputError } from '../src/stream/errors.js';
import { SPECTROGRAM, frameCount, hammingWindow, logSpectrogram } from '../src/stream/spectrogram.js';
import { SpectrogramFramer, spectrogramFrames, type SpectrogramFrame } from '../src/stream/spectrogramFrames.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { bytesEqual, noise, randomChunks, sine } from './helpers/signals.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';
import { PYTHON, missingPython } from './helpers/python.js';

const { windowLength, hopLength, dftSize, bins } = SPECTROGRAM;

/** The textbook O(N^2) DFT of the windowed, zero-padded frame: the reference the fast path must match. */
function directPower(x: Float32Array, offset: number): Float64Array {
  const w = hammingWindow(windowLength);
  const power = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < windowLength; n++) {
      const angle = (-2 * Math.PI * ((n * k) % dftSize)) / dftSize;
      re += x[offset + n] * w[n] * Math.cos(angle);
      im += x[offset + n] * w[n] * Math.sin(angle);
    }
    power[k] = re * re + im * im;
  }
  return power;
}

function framesOf(x: Float32Array): SpectrogramFrame[] {
  const frames: SpectrogramFrame[] = [];
  const framer = new SpectrogramFramer();
  framer.push(x, (f) => frames.push(f));
  return frames;
}

t.test('the single-precision 800-point DFT matches a direct double-precision DFT', async (t) => {
  const dft = new RealDftPower(dftSize, windowLength, bins, hammingWindow(windowLength));
  const signals = { noise: noise(4000, 11), tone: sine(437.3, 16000, 4000), chirpy: noise(4000, 5, 0.01).map((v, i) => v + Math.sin(i * i * 1e-5)) };
  for (const [name, x] of Object.entries(signals)) {
    for (const offset of [0, 160, 1234, 4000 - windowLength]) {
      const fast = new Float64Array(bins);
      dft.power(x, offset, fast);
      const slow = directPower(x, offset);
      const peak = Math.max(...slow);
      let worst = 0;
      let worstLog = 0;
      // Relative to each bin, with double precision's rounding of the peak as the smallest scale; in the log, the
      // model's input, single precision is within 0.02 dB.
      for (let k = 0; k < bins; k++) {
        worst = Math.max(worst, Math.abs(fast[k] - slow[k]) / Math.max(slow[k], peak * 1e-12));
        worstLog = Math.max(worstLog, Math.abs(Math.log(fast[k] + SPECTROGRAM.logFloor) - Math.log(slow[k] + SPECTROGRAM.logFloor)));
      }
      t.ok(worstLog < 5e-3, `${name} @${offset}: worst relative error ${worst.toExponential(2)}, in the log ${worstLog.toExponential(2)}`);
    }
  }
  t.throws(() => new RealDftPower(810, windowLength, bins, hammingWindow(windowLength)), RangeError, 'a size PFFFT cannot take');
  t.throws(() => new RealDftPower(dftSize, windowLength, 401, hammingWindow(windowLength)), RangeError, 'more bins than the real DFT has');
});

t.test('a pure tone peaks at its bin (20 Hz apart)', async (t) => {
  for (const [hz, bin] of [
    [1000, 50],
    [20, 1],
    [3980, 199],
    [2500, 125],
  ]) {
    const spec = logSpectrogram(sine(hz, 16000, 16000));
    t.equal(spec.frames, frameCount(16000));
    for (const frame of [0, 50, spec.frames - 1]) {
      const row = spec.data.subarray(frame * bins, (frame + 1) * bins);
      t.equal(row.indexOf(Math.max(...row)), bin, `${hz} Hz peaks at bin ${bin} in frame ${frame}`);
    }
  }
});

t.test('silence gives the floor value, never -Infinity or NaN', async (t) => {
  const spec = logSpectrogram(new Float32Array(16000));
  const floor = Math.fround(Math.log(SPECTROGRAM.logFloor));
  t.equal(spec.frames, 97);
  t.ok(spec.data.every((v) => v === floor), `every value is ln(${SPECTROGRAM.logFloor}) = ${floor}`);
});

t.test('frame count and timing: no padding, frame t starts at sample 160 t', async (t) => {
  t.equal(frameCount(0), 0);
  t.equal(frameCount(639), 0);
  t.equal(frameCount(640), 1);
  t.equal(frameCount(799), 1);
  t.equal(frameCount(800), 2);
  t.equal(logSpectrogram(new Float32Array(639)).frames, 0);
  const frames = framesOf(noise(16000, 3));
  t.equal(frames.length, frameCount(16000));
  frames.forEach((f, i) => {
    if (f.index !== i || f.startSample !== i * hopLength || f.timeMs !== i * 10) t.fail(`frame ${i} has index ${f.index}, start ${f.startSample}, time ${f.timeMs}`);
  });
});

t.test('each frame is emitted as soon as its last sample arrives', async (t) => {
  const x = noise(2000, 9);
  const framer = new SpectrogramFramer();
  const emitted: number[] = [];
  for (let i = 0; i < x.length; i++) framer.push(x.subarray(i, i + 1), (f) => emitted.push(i === f.startSample + windowLength - 1 ? f.index : -1));
  t.same(emitted, [...Array(frameCount(2000)).keys()]);
});

t.test('any chunking gives frames bit-identical to the batch computation', async (t) => {
  const x = noise(16000 * 3, 21, 0.3).map((v, i) => v + 0.3 * Math.sin(i / 7));
  const batch = logSpectrogram(x);
  for (const [seed, maxChunk] of [
    [1, 1],
    [2, 7],
    [3, 160],
    [4, 320],
    [5, 641],
    [6, 5000],
  ]) {
    const frames = await lastValueFrom(from(randomChunks(x, seed, maxChunk, true)).pipe(spectrogramFrames(), toArray()));
    const streamed = new Float32Array(frames.length * bins);
    frames.forEach((f) => streamed.set(f.logPower, f.index * bins));
    t.equal(frames.length, batch.frames, `chunks up to ${maxChunk}: frame count`);
    t.ok(bytesEqual(streamed, batch.data), `chunks up to ${maxChunk}: bit-identical`);
  }
});

t.test('non-finite samples give a typed error, in batch and in a stream', async (t) => {
  const x = noise(2000, 1);
  x[1500] = NaN;
  t.throws(() => logSpectrogram(x), { name: 'AudioInputError', code: 'NON_FINITE_SAMPLE', message: /sample 1500 is NaN/ });
  const y = noise(2000, 1);
  y[10] = Infinity;
  await t.rejects(lastValueFrom(from([noise(1000, 2), y]).pipe(spectrogramFrames())), {
    code: 'NON_FINITE_SAMPLE',
    message: /sample 1010 is Infinity/,
  });
  t.ok(new AudioInputError('NON_FINITE_SAMPLE', 'x') instanceof Error);
});

t.test('matches numpy on real speech (independent implementation)', { skip: noSharedData || missingPython('numpy') }, async (t) => {
  const row = readManifest().find((r) => r.corpus === 'emodb')!;
  const audio = await decodeAudioFile(readFileSync(join(SHARED_DATA, row.path)), row.path);
  const spectrogram = logSpectrogram(audio.samples);
  const script = `
import sys, numpy as np
x = np.frombuffer(sys.stdin.buffer.read(), dtype='<f4').astype(np.float64)
n = (len(x) - 640) // 160 + 1
frames = np.stack([x[i * 160:i * 160 + 640] for i in range(n)]) * np.hamming(640)
power = np.abs(np.fft.rfft(frames, n=800, axis=1)[:, :200]) ** 2
sys.stdout.buffer.write(np.log(power + 1e-10).astype('<f4').tobytes())`;
  const out = execFileSync(PYTHON, ['-c', script], { input: Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength), maxBuffer: 1 << 28 });
  const reference = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  t.equal(reference.length, spectrogram.data.length, 'same number of values');
  let worst = 0;
  let total = 0;
  for (let i = 0; i < reference.length; i++) {
    const difference = Math.abs(reference[i] - spectrogram.data[i]);
    worst = Math.max(worst, difference);
    total += difference;
  }
  // Single against double precision: the quietest bins differ most, by hundredths of a decibel.
  t.ok(worst < 1e-2, `${row.path}: largest log-power difference ${worst.toExponential(2)}`);
  t.ok(total / reference.length < 1e-4, `${row.path}: mean log-power difference ${(total / reference.length).toExponential(2)}`);
});
