import t from 'tap';
import { AudioStore } from '../src/plugin/audioStore.js';
import { SPECTROGRAM, logSpectrogram } from '../src/stream/spectrogram.js';
import { noise, randomChunks } from './helpers/signals.js';

const { hopLength, windowLength, bins } = SPECTROGRAM;

t.test("an utterance's audio, cut on the frame grid, gives the batch spectrogram's frames, across drops and chunkings", async (t) => {
  const signal = noise(16000 * 6, 11, 0.3);
  const batch = logSpectrogram(signal);
  const store = new AudioStore();
  let fed = 0;
  let checked = 0;
  for (const chunk of randomChunks(signal, 5, 4000)) {
    store.add(chunk);
    fed += chunk.length;
    if (fed > 16000 * 2) store.dropBefore(fed - 16000 * 1.5); // keep the last 1.5 s, as the pipeline does
    if (fed < 16000 + windowLength) continue;
    // take the last second, as an utterance ending now would
    const start = fed - 16000 + ((fed * 7) % 300); // not on the grid: the cut moves to the next frame
    const { samples, firstFrame, frames } = store.slice(start, fed);
    t.equal(firstFrame, Math.ceil(start / hopLength));
    t.equal(frames, Math.floor((fed - windowLength) / hopLength) - firstFrame + 1);
    const spectrogram = logSpectrogram(samples);
    t.equal(spectrogram.frames, frames);
    for (let f = 0; f < frames; f++) {
      const want = batch.data.subarray((firstFrame + f) * bins, (firstFrame + f + 1) * bins);
      const got = spectrogram.data.subarray(f * bins, (f + 1) * bins);
      if (!want.every((v, i) => v === got[i])) t.fail(`frame ${firstFrame + f} differs`);
      checked++;
    }
  }
  t.ok(checked > 1000, `${checked} frames compared bit for bit`);
  t.ok(store.size <= 16000 * 2 + 4000, 'memory stays bounded by what is kept');
  const gone = store.slice(0, 16000);
  t.equal(gone.frames, 0, 'dropped audio yields no frames');
  t.equal(gone.samples.length, 0);
});

t.test('a slice is a copy: later audio and drops do not change it', async (t) => {
  const store = new AudioStore();
  store.add(new Float32Array(16000).fill(0.5));
  const { samples } = store.slice(0, 16000);
  store.dropBefore(16000);
  for (let i = 0; i < 20; i++) store.add(new Float32Array(16000).fill(-0.25)); // compacts and grows the buffer
  t.ok(samples.every((v) => v === 0.5));
  t.equal(samples.byteLength, samples.buffer.byteLength, 'owns its whole buffer, so it can be transferred');
});
