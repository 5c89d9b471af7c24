import { readFileSync } from 'node:fs';
import t from 'tap';
import { EmotionModel } from '../src/model/emotionModel.js';
import { OrtSessionBackend, type InferenceBackend, type ModelInputs } from '../src/model/inferenceBackend.js';
import { logSpectrogram } from '../src/stream/spectrogram.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
const quiet = { log: () => {} };

async function speech() {
  const audio = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
  const samples = await resampleAll(audio.samples, audio.sampleRate);
  return [logSpectrogram(samples.subarray(0, 16000 * 2)), logSpectrogram(samples.subarray(16000, 16000 * 4.5))];
}

t.test('the worker thread and the calling thread compute the same results', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const inWorker = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'worker' });
  const inMain = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, thread: 'main' });
  t.teardown(async () => {
    await inWorker.close();
    await inMain.close();
  });
  const inputs = await speech();
  const [a, b] = await Promise.all([inWorker.predictBatch(inputs), inMain.predictBatch(inputs)]);
  for (let i = 0; i < inputs.length; i++) {
    t.equal(a[i].label, b[i].label);
    for (const label of inWorker.labels) t.ok(Math.abs(a[i].probabilities[label] - b[i].probabilities[label]) < 1e-6, `${label} agrees`);
    t.same(Array.from(a[i].activity), Array.from(b[i].activity));
  }
  // Concurrent calls on the worker each get their own answer.
  const many = await Promise.all(inputs.flatMap((x) => [inWorker.predict(x), inWorker.predict(x)]));
  t.same(many.map((p) => p.label), [a[0].label, a[0].label, a[1].label, a[1].label]);
});

t.test('a custom backend runs the network; its failures are INFERENCE_FAILED and the model goes on', { skip: model ? false : 'no model' }, async (t) => {
  const bytes = readFileSync(model!.path);
  const ort = await OrtSessionBackend.open(bytes);
  let calls = 0;
  let failNext = false;
  // Stands where an inference server would: same inputs and outputs, somewhere else.
  const remote: InferenceBackend = {
    provider: 'remote (test)',
    skipped: [],
    async run(inputs: ModelInputs) {
      calls++;
      if (failNext) {
        failNext = false;
        throw new Error('server unavailable');
      }
      return ort.run(inputs);
    },
    close: () => ort.close(),
  };
  const m = await EmotionModel.fromBytes(bytes, 'm', { ...quiet, backend: remote });
  t.equal(m.provider, 'remote (test)');
  const [x] = await speech();
  const ok = await m.predict(x);
  t.ok(ok.label);
  failNext = true;
  await t.rejects(m.predict(x), { code: 'INFERENCE_FAILED', message: /server unavailable/ });
  t.same((await m.predict(x)).probabilities, ok.probabilities, 'the next call works again');
  t.equal(calls, 4, 'warm-up and three predictions');
  await m.close();
  await t.rejects(m.predict(x), { code: 'MODEL_CLOSED' });
});
