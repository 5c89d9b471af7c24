import t from 'tap';
import { FrameStore } from '../src/plugin/frameStore.js';
import { SPECTROGRAM, logSpectrogram } from '../src/stream/spectrogram.js';
import { noise, randomChunks } from './helpers/signals.js';

const { hopLength, windowLength, bins } = SPECTROGRAM;

t.test('frames computed on demand equal the batch spectrogram of the same audio, across drops and chunkings', async (t) => {
  const signal = noise(16000 * 6, 11, 0.3);
  const batch = logSpectrogram(signal);
  const store = new FrameStore();
  let fed = 0;
  let checked = 0;
  for (const chunk of randomChunks(signal, 5, 4000)) {
    store.add(chunk);
    fed += chunk.length;
    if (fed > 16000 * 2) store.dropBefore(fed - 16000 * 1.5); // keep the last 1.5 s, as the pipeline does
    if (fed < 16000 + windowLength) continue;
    // score the last second, as an utterance ending now would be
    const { spectrogram, firstFrame } = store.slice(fed - 16000, fed);
    t.equal(firstFrame, Math.ceil((fed - 16000) / hopLength));
    t.equal(spectrogram.frames, Math.floor((fed - windowLength) / hopLength) - firstFrame + 1);
    for (let f = 0; f < spectrogram.frames; f++) {
      const want = batch.data.subarray((firstFrame + f) * bins, (firstFrame + f + 1) * bins);
      const got = spectrogram.data.subarray(f * bins, (f + 1) * bins);
      if (!want.every((v, i) => v === got[i])) t.fail(`frame ${firstFrame + f} differs`);
      checked++;
    }
  }
  t.ok(checked > 1000, `${checked} frames compared bit for bit`);
  t.ok(store.size <= 16000 * 2 + 4000, 'memory stays bounded by what is kept');
  const gone = store.slice(0, 16000);
  t.equal(gone.spectrogram.frames, 0, 'dropped audio yields no frames');
});
