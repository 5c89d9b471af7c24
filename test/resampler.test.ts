import t from 'tap';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { concatFloat32 } from '../src/stream/concatFloat32.js';
import { StreamingResampler, resampleAll, resampleTo16k } from '../src/stream/resampler.js';
import { converterMemoryBytes, openConverterCount } from '../src/stream/speexConverter.js';
import { bytesEqual, noise, randomChunks, sine } from './helpers/signals.js';

const RATES = [8000, 22050, 24000, 44100, 48000];

function rms(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i] * x[i];
  return Math.sqrt(sum / (to - from));
}

t.test('output is time-aligned, of length ceil(n * 16000 / rate), and a tone stays that tone', async (t) => {
  for (const rate of RATES) {
    const n = rate * 2 + 7;
    const out = await resampleAll(sine(440, rate, n), rate);
    t.equal(out.length, Math.ceil((n * 16000) / rate), `${rate} Hz: length`);
    const ideal = sine(440, 16000, out.length);
    let worst = 0;
    for (let i = 200; i < out.length - 200; i++) worst = Math.max(worst, Math.abs(out[i] - ideal[i]));
    t.ok(worst < 1e-4, `${rate} Hz: largest deviation from the ideal 16 kHz tone ${worst.toExponential(2)}`);
  }
});

t.test('band-limited: tones above 8 kHz do not alias into the 16 kHz output', async (t) => {
  for (const [rate, hz] of [
    [48000, 10000],
    [44100, 12000],
    [24000, 9000],
  ]) {
    const input = sine(hz, rate, rate);
    const out = await resampleAll(input, rate);
    const ratio = rms(out, 400, out.length - 400) / rms(input);
    t.ok(ratio < 1e-3, `${hz} Hz at ${rate} Hz is attenuated to ${(20 * Math.log10(ratio)).toFixed(1)} dB`);
  }
});

t.test('flat over the band the spectrogram uses: the telephone band of 8 kHz input, 0 to 3980 Hz of wideband input', async (t) => {
  for (const [rate, hz] of [
    [8000, 300],
    [8000, 3400],
    [11025, 3980],
    [48000, 3980],
  ]) {
    const input = sine(hz, rate, rate);
    const out = await resampleAll(input, rate);
    const gainDb = 20 * Math.log10(rms(out, 1000, out.length - 1000) / rms(input));
    t.ok(Math.abs(gainDb) < 0.05, `${hz} Hz at ${rate} Hz passes with ${gainDb.toFixed(3)} dB`);
  }
});

t.test('16 kHz input passes through unchanged', async (t) => {
  const x = noise(3000, 4);
  t.ok(bytesEqual(await resampleAll(x, 16000), x));
});

t.test('any chunking gives bit-identical output', async (t) => {
  for (const rate of RATES) {
    const x = noise(rate * 2, rate, 0.4);
    const whole = await resampleAll(x, rate);
    for (const maxChunk of [1, 33, 960, 4096]) {
      const resampler = await StreamingResampler.create(rate);
      const parts = randomChunks(x, maxChunk, maxChunk, true).map((c) => resampler.push(c));
      parts.push(resampler.flush());
      t.ok(bytesEqual(concatFloat32(parts), whole), `${rate} Hz in chunks up to ${maxChunk}`);
    }
  }
});

t.test('the operator queues chunks of a hot source while the converter loads', async (t) => {
  const x = noise(8000 * 3, 77);
  const expected = await resampleAll(x, 8000);
  const subject = new Subject<Float32Array>();
  const result = lastValueFrom(subject.pipe(resampleTo16k(8000), toArray()));
  for (const chunk of randomChunks(x, 5, 400)) subject.next(chunk); // synchronously, before the WASM is ready
  subject.complete();
  t.ok(bytesEqual(concatFloat32(await result), expected));
});

t.test('bad input: typed errors', async (t) => {
  for (const rate of [0, -16000, 7999, 16000.5, NaN, 1e9]) {
    await t.rejects(StreamingResampler.create(rate), { name: 'AudioInputError', code: 'UNSUPPORTED_SAMPLE_RATE' }, `rate ${rate}`);
  }
  await t.rejects(lastValueFrom(from([new Float32Array(10)]).pipe(resampleTo16k(12345.6))), { code: 'UNSUPPORTED_SAMPLE_RATE' });
  const resampler = await StreamingResampler.create(48000);
  const x = noise(960, 1);
  x[5] = NaN;
  t.throws(() => resampler.push(x), { code: 'NON_FINITE_SAMPLE', message: /sample 5 is NaN/ });
  resampler.flush();
  t.throws(() => resampler.push(noise(10, 1)), { code: 'INVALID_ARGUMENT', message: /after flush/ });
  await t.rejects(StreamingResampler.create(48000, 'ultra' as never), { code: 'INVALID_ARGUMENT', message: /ultra/ });
});

t.test('a stream after another starts afresh: the same output as the first, also after an abandoned stream', async (t) => {
  const signal = noise(8000, 21, 0.4);
  const first = await StreamingResampler.create(8000);
  const fresh = concatFloat32([first.push(signal), first.flush()]);
  const second = await StreamingResampler.create(8000); // its state takes the memory the first one freed
  t.ok(bytesEqual(fresh, concatFloat32([second.push(signal), second.flush()])), 'bit-identical');
  const abandoned = await StreamingResampler.create(8000);
  abandoned.push(noise(4000, 5, 0.9));
  abandoned.destroy();
  const third = await StreamingResampler.create(8000);
  t.ok(bytesEqual(fresh, concatFloat32([third.push(signal), third.flush()])), 'bit-identical after an abandoned stream');
});

t.test('memory follows the streams open now, not the streams that have come and gone at their many rates', async (t) => {
  const before = openConverterCount();
  const batch = async (first: number) => {
    const open = await Promise.all(Array.from({ length: 100 }, (_, i) => StreamingResampler.create(first + i)));
    for (const r of open) r.push(noise(2000, 2));
    t.equal(openConverterCount(), before + 100);
    open.forEach((r, i) => (i % 2 ? r.flush() : r.destroy()));
    t.equal(openConverterCount(), before, 'every converter freed, whether flushed or abandoned');
  };
  await batch(8001);
  const afterOne = converterMemoryBytes();
  for (let first = 8101; first < 8101 + 20 * 100; first += 100) await batch(first);
  t.equal(converterMemoryBytes(), afterOne, '20 more batches of 100 new rates took no more memory than the first');
  const fresh = await resampleAll(noise(44100, 1), 44100);
  t.ok(bytesEqual(await resampleAll(noise(44100, 1), 44100), fresh), 'and resampling is unchanged after them');
});

t.test('quality levels are distinct converters', async (t) => {
  const signal = noise(44100, 1);
  const fastest = await resampleAll(signal, 44100);
  const best = await resampleAll(signal, 44100, 16000, 'best');
  t.notOk(bytesEqual(best, fastest), 'best is not fastest');
  t.ok(bytesEqual(await resampleAll(signal, 44100, 16000, 'best'), best), 'and is reproducible');
});
