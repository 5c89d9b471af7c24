import { readFileSync } from 'node:fs';
import t from 'tap';
import { decodeAudioFile } from '../src/stream/audioFile.js';
import { resampleAll } from '../src/stream/resampler.js';
import { SETTLE } from '../src/vad/noiseFloor.js';
import { SileroVad, VAD_WINDOW } from '../src/vad/sileroVad.js';
import { noise } from './helpers/signals.js';

const caller = await decodeAudioFile(readFileSync('examples/audio/caller.wav'));
const speech = await resampleAll(caller.samples, caller.sampleRate);

function windows(signal: Float32Array): Float32Array[] {
  return Array.from({ length: Math.floor(signal.length / VAD_WINDOW) }, (_, i) => signal.subarray(i * VAD_WINDOW, (i + 1) * VAD_WINDOW));
}

for (const thread of ['worker', 'main'] as const) {
  t.test(`Silero VAD: speech scores high, silence low (${thread} thread)`, async (t) => {
    const vad = await SileroVad.load({ thread });
    t.teardown(() => vad.close());
    const stream = vad.createStream();
    const probabilities: number[] = [];
    for (const w of windows(speech.subarray(0, 16000 * 2))) probabilities.push(await stream.probability(w));
    t.ok(probabilities.filter((p) => p >= 0.5).length > probabilities.length / 2, 'most of 2 s of speech is speech');
    const quiet = vad.createStream();
    for (const w of windows(noise(16000, 3, 0.001))) t.ok((await quiet.probability(w)) < 0.2, 'faint noise is not speech');
    await t.rejects(stream.probability(new Float32Array(100)), RangeError);
  });

  t.test(`streams scored together in one batch get what each gets alone (${thread} thread)`, async (t) => {
    const vad = await SileroVad.load({ thread });
    t.teardown(() => vad.close());
    const signals = [speech.subarray(0, 16000 * 3), speech.subarray(16000, 16000 * 4), noise(16000 * 3, 7, 0.05)];
    const alone: number[][] = [];
    for (const signal of signals) {
      const stream = vad.createStream();
      const p: number[] = [];
      for (const w of windows(signal)) p.push(await stream.probability(w));
      alone.push(p);
    }
    const streams = signals.map(() => vad.createStream());
    const together: number[][] = signals.map(() => []);
    const count = windows(signals[0]).length;
    for (let i = 0; i < count; i++) {
      // every stream's i-th window is waiting at once: one inference call for all three
      const p = await Promise.all(signals.map((s, k) => streams[k].probability(windows(s)[i])));
      p.forEach((v, k) => together[k].push(v));
    }
    for (let k = 0; k < signals.length; k++) {
      const worst = Math.max(...alone[k].map((v, i) => Math.abs(v - together[k][i])));
      t.ok(worst < 1e-5, `stream ${k}: largest difference ${worst}`);
    }
  });

  t.test(`digital silence outside an utterance is answered without the network, and speech after it as after a start (${thread} thread)`, async (t) => {
    const vad = await SileroVad.load({ thread });
    t.teardown(() => vad.close());
    const zeros = new Float32Array(VAD_WINDOW);
    const fresh = vad.createStream();
    const afterSilence = vad.createStream();
    for (const w of windows(speech.subarray(0, 16000))) await afterSilence.probability(w); // speech, then a muted line
    for (let i = 0; i < 20; i++) t.equal(await afterSilence.probability(zeros, true), 0);
    t.same([afterSilence.skipped, afterSilence.scored], [20, 31], 'twenty windows skipped');
    const next = windows(speech.subarray(16000, 16000 * 2));
    for (const w of next) t.equal(await afterSilence.probability(w, true), await fresh.probability(w), 'the same as a new stream');
    t.ok((await fresh.probability(zeros)) < 0.5, 'without the permission the network scores silence');
    t.equal(fresh.skipped, 0);
    const dithered = Float32Array.from(zeros, (_, i) => ((i % 3) - 1) / 32768);
    t.equal(await fresh.probability(dithered, true), 0);
    t.equal(fresh.skipped, 1, '16-bit zeros with their dither are digital silence');
    const quiet = Float32Array.from(zeros, (_, i) => (i === 7 ? 8 / 32768 : 0));
    await fresh.probability(quiet, true);
    t.equal(fresh.skipped, 1, 'one sample at the smallest G.711 step and it is no longer');
  });

  t.test(`Silero VAD at 8 kHz: 256-sample windows of telephone audio, batched apart from the 16 kHz ones (${thread} thread)`, async (t) => {
    const vad = await SileroVad.load({ thread });
    t.teardown(() => vad.close());
    const speech8k = await resampleAll(speech.subarray(0, 16000 * 3), 16000, 8000);
    const windows8k = (signal: Float32Array) => Array.from({ length: Math.floor(signal.length / 256) }, (_, i) => signal.subarray(i * 256, (i + 1) * 256));
    const stream = vad.createStream(8000);
    t.same([stream.rate, stream.window], [8000, 256]);
    const alone: number[] = [];
    for (const w of windows8k(speech8k)) alone.push(await stream.probability(w));
    t.ok(alone.filter((p) => p >= 0.5).length > alone.length / 2, 'most of 3 s of speech is speech');
    const quiet = vad.createStream(8000);
    for (const w of windows8k(noise(8000, 3, 0.001))) t.ok((await quiet.probability(w)) < 0.2, 'faint noise is not speech');
    await t.rejects(stream.probability(new Float32Array(512)), { message: /at 8000 Hz is 256 samples, got 512/ });
    t.throws(() => vad.createStream(44100 as 8000), { message: /8000 or 16000 Hz, not 44100/ });

    // An 8 kHz and a 16 kHz stream asking at once: each rate's windows go to their own inference call.
    const [narrow, wide] = [vad.createStream(8000), vad.createStream(16000)];
    const wideAlone: number[] = [];
    const reference = vad.createStream(16000);
    for (const w of windows(speech.subarray(0, 16000 * 3))) wideAlone.push(await reference.probability(w));
    const paired = Math.min(alone.length, wideAlone.length);
    const w8 = windows8k(speech8k);
    const w16 = windows(speech.subarray(0, 16000 * 3));
    for (let i = 0; i < paired; i++) {
      const [p8, p16] = await Promise.all([narrow.probability(w8[i]), wide.probability(w16[i])]);
      if (Math.abs(p8 - alone[i]) > 1e-5 || Math.abs(p16 - wideAlone[i]) > 1e-5) {
        t.fail(`window ${i}: ${p8} / ${alone[i]} at 8 kHz, ${p16} / ${wideAlone[i]} at 16 kHz`);
        return;
      }
    }
    t.pass(`${paired} window pairs scored together as alone`);
  });
}

t.test("an open line's noise outside an utterance is answered without the network once the network has heard it", async (t) => {
  const vad = await SileroVad.load();
  t.teardown(() => vad.close());
  const line = noise(16000 * 2, 5, 10 / 32768); // about -73 dBFS, never digital silence
  const streams = { noise: vad.createStream(16000), silence: vad.createStream(16000, 'silence'), inside: vad.createStream(16000) };
  for (const [name, stream] of Object.entries(streams)) {
    for (const w of windows(speech.subarray(0, 16000))) await stream.probability(w);
    for (const w of windows(line)) t.ok((await stream.probability(w, name !== 'inside')) < 0.5, `${name}: the line is not speech`);
  }
  const total = windows(line).length;
  t.equal(streams.noise.quiet, total - SETTLE, `${SETTLE} noise windows heard, the other ${total - SETTLE} skipped`);
  t.equal(streams.silence.quiet, 0, "skip 'silence': digital silence only");
  t.equal(streams.inside.quiet, 0, 'nothing skipped inside an utterance');
  const quiet = streams.noise.quiet;
  const next = windows(speech.subarray(16000, 16000 * 2));
  const heard: number[] = [];
  for (const w of next) heard.push(await streams.noise.probability(w, true));
  t.equal(streams.noise.quiet, quiet, 'speech after the line is scored, every window');
  t.ok(Math.max(...heard) > 0.5, 'and heard as speech');
  t.throws(() => vad.createStream(16000, 'all' as 'noise'), { message: /'noise' or 'silence', not 'all'/ });
});

t.test('the VAD thread and the calling thread give the same probabilities, at both rates', async (t) => {
  const [worker, main] = await Promise.all([SileroVad.load({ thread: 'worker' }), SileroVad.load({ thread: 'main' })]);
  t.teardown(() => Promise.all([worker.close(), main.close()]));
  t.same([worker.thread, main.thread], ['worker', 'main']);
  const speech8k = await resampleAll(speech.subarray(0, 16000 * 4), 16000, 8000);
  for (const [rate, signal] of [[16000, speech.subarray(0, 16000 * 4)], [8000, speech8k]] as const) {
    const [a, b] = [worker.createStream(rate), main.createStream(rate)];
    let worst = 0;
    for (let i = 0; (i + 1) * a.window <= signal.length; i++) {
      const w = signal.subarray(i * a.window, (i + 1) * a.window);
      worst = Math.max(worst, Math.abs((await a.probability(w)) - (await b.probability(w))));
    }
    t.ok(worst < 1e-6, `${rate} Hz: largest difference ${worst}`);
  }
});

t.test('a VAD stream takes one window at a time; a stream misused does not harm the others', async (t) => {
  const vad = await SileroVad.load();
  t.teardown(() => vad.close());
  const [stream, other] = [vad.createStream(), vad.createStream()];
  const w = windows(speech.subarray(0, 16000));
  const first = stream.probability(w[0]);
  await t.rejects(stream.probability(w[1]), { message: /one window at a time/ });
  const reference = vad.createStream();
  t.equal(await first, await reference.probability(w[0]), 'the window in flight is scored as alone');
  t.equal(await other.probability(w[0]), await vad.createStream().probability(w[0]));
});

t.test('an unknown thread is refused by name', async (t) => {
  await t.rejects(SileroVad.load({ thread: 'gpu' as 'main' }), { name: 'RangeError', message: /'main' or 'worker', not 'gpu'/ });
});
