import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadEmotionModel } from '../src/model/loadModel.js';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { noise } from './helpers/signals.js';
import { SHARED_DATA, noSharedData, readManifest } from './helpers/sharedData.js';
import { testModelPath } from './helpers/testModel.js';

const model = testModelPath();
const skip = noSharedData || (!model?.trained && 'needs a trained model (models/ser-default.onnx)');

// The paper's Fig. 4: attention falls on non-speech. A pause inside an utterance (two sentences 1 s apart, on a line's
// noise floor) must score below the speech around it. The attention grid's columns see about 2 s each (receptive
// field 207 frames), so the scores are compared away from the pause's edges.
t.test('the attention-based activity is lower in a pause than on the speech around it', { skip }, async (t) => {
  const emotionModel = await loadEmotionModel(model!.path, { log: () => {} });
  t.teardown(() => emotionModel.close());
  const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
  for (const r of readManifest().filter((r) => r.corpus === 'emodb').slice(0, 4)) {
    const audio = await decodeAudioFile(readFileSync(join(SHARED_DATA, r.path)));
    const speech = await resampleAll(audio.samples, audio.sampleRate);
    const pause = 16000;
    const signal = new Float32Array(2 * speech.length + pause);
    signal.set(speech, 0);
    signal.set(speech, speech.length + pause);
    const floor = noise(signal.length, 1, 1e-4);
    signal.forEach((v, i) => (signal[i] = v + floor[i]));
    const { activity } = await emotionModel.predictAudio(signal);
    const frame = (sample: number) => Math.round(sample / 160);
    const inPause = activity.slice(frame(speech.length) + 30, frame(speech.length + pause) - 30);
    const onSpeech = Float32Array.from([...activity.slice(10, frame(speech.length) - 10), ...activity.slice(frame(speech.length + pause) + 10, -10)]);
    t.ok(mean(inPause) < mean(onSpeech) - 0.2, `${r.path}: activity ${mean(inPause).toFixed(2)} in the pause, ${mean(onSpeech).toFixed(2)} on speech`);
  }
});
