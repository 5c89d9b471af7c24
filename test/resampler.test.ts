import t from 'tap';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { MAX_IDLE_CONVERTERS, StreamingResampler, concatFloat32, idleConverterCount, resampleAll, resampleTo16k } from '../src/stream/resampler.js';
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

t.test('a converter reused after its stream ended starts afresh: the same output as a new one', async (t) => {
  const signal = noise(8000, 21, 0.4);
  const first = await StreamingResampler.create(8000);
  const fresh = concatFloat32([first.push(signal), first.flush()]); // the converter goes back to the pool here
  const second = await StreamingResampler.create(8000); // and is taken from it, with the first stream's state gone
  const reused = concatFloat32([second.push(signal), second.flush()]);
  t.ok(bytesEqual(fresh, reused), 'bit-identical');
  const abandoned = await StreamingResampler.create(8000);
  abandoned.push(noise(4000, 5, 0.9));
  abandoned.destroy();
  const third = await StreamingResampler.create(8000);
  t.ok(bytesEqual(fresh, concatFloat32([third.push(signal), third.flush()])), 'also after an abandoned stream');
});

t.test('idle converters are pooled up to one bound in total, whatever the rates, and a reused one resamples exactly as a new one', async (t) => {
  const signal = noise(44100, 1);
  const fresh = await resampleAll(signal, 44100);
  // Three times the bound of streams open at once, each at its own rate, then all ended.
  const open = await Promise.all(Array.from({ length: 3 * MAX_IDLE_CONVERTERS }, (_, i) => StreamingResampler.create(8001 + i)));
  for (const r of open) r.push(noise(800, 2));
  open.forEach((r) => r.flush());
  t.equal(idleConverterCount(), MAX_IDLE_CONVERTERS, `at most ${MAX_IDLE_CONVERTERS} kept, not one per rate`);
  const best = await resampleAll(signal, 44100, 16000, 'best');
  t.ok(bytesEqual(await resampleAll(signal, 44100), fresh), 'a converter re-set from another rate gives the same samples');
  t.notOk(bytesEqual(best, fresh), 'and one re-set to another quality is that quality');
  t.ok(bytesEqual(await resampleAll(signal, 44100, 16000, 'best'), best));
});
