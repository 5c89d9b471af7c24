import { readFileSync } from 'node:fs';
import t from 'tap';
import { loadOnnxRuntime } from '../src/onnxRuntime.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { GEOMETRY, STATE_SIZE, type VadRate } from '../src/vad/sileroBackend.js';
import { sileroGraphsByRate } from '../src/vad/sileroGraphs.js';
import { sileroModelPath } from '../src/vad/sileroVad.js';
import { DEFAULT_MODEL_PATH } from '../src/model/loadModel.js';

const ort = await loadOnnxRuntime();
const whole = readFileSync(sileroModelPath());
const caller = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));

/** Speech probabilities and final state of 4 s of the caller, window by window, at one rate. */
async function score(model: Uint8Array, rate: VadRate, feedRate: boolean) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const signal = await resampleAll(caller.samples, caller.sampleRate, rate);
  const { window, context } = GEOMETRY[rate];
  let state: Float32Array = new Float32Array(STATE_SIZE);
  const probabilities: number[] = [];
  for (let start = context; start + window <= Math.min(signal.length, 4 * rate); start += window) {
    const out = await session.run({
      input: new ort.Tensor('float32', signal.slice(start - context, start + window), [1, context + window]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      ...(feedRate ? { sr: new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []) } : {}),
    });
    probabilities.push((out.output.data as Float32Array)[0]);
    state = out.stateN.data as Float32Array;
  }
  await session.release();
  return { probabilities, state };
}

t.test("each rate's network on its own scores as the two-rate model does", async (t) => {
  const byRate = sileroGraphsByRate(whole);
  if (!byRate) throw new Error('the Silero file was not split by rate');
  for (const rate of [8000, 16000] as const) {
    const session = await ort.InferenceSession.create(byRate[rate]);
    t.same(session.inputNames, ['input', 'state'], `${rate} Hz: no rate input`);
    await session.release();
    const reference = await score(whole, rate, true);
    const single = await score(byRate[rate], rate, false);
    t.ok(reference.probabilities.some((p) => p > 0.5) && reference.probabilities.some((p) => p < 0.1), `${rate} Hz: speech and pauses`);
    const worst = Math.max(...reference.probabilities.map((p, i) => Math.abs(p - single.probabilities[i])));
    t.ok(worst < 1e-6, `${rate} Hz: ${reference.probabilities.length} windows, largest difference ${worst}`);
    t.ok(reference.state.every((s, i) => Math.abs(s - single.state[i]) < 1e-5), `${rate} Hz: the same state after them`);
  }
});

t.test('a file not laid out as Silero v5 is left whole', async (t) => {
  t.equal(sileroGraphsByRate(readFileSync(DEFAULT_MODEL_PATH)), undefined, 'the emotion network');
  t.equal(sileroGraphsByRate(new Uint8Array([1, 2, 3, 4])), undefined, 'not a model');
});
