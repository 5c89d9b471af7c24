import t from 'tap';
import { UtteranceSegmenter, type SegmentEvent } from '../src/vad/utteranceSegmenter.js';

const W = 512; // VAD window, 32 ms at 16 kHz

/** Feeds one probability per window from sample 0 and collects the events, then flushes at the end. */
function run(probabilities: number[], options = {}, flush = true): SegmentEvent[] {
  const s = new UtteranceSegmenter({ threshold: 0.5, minSpeechMs: 96, minSilenceMs: 160, preRollMs: 64, maxUtteranceMs: 2048, ...options });
  const events = probabilities.flatMap((p, i) => s.push(p, i * W, (i + 1) * W));
  return flush ? [...events, ...s.flush(probabilities.length * W)] : events;
}
const seq = (...parts: [number, number][]) => parts.flatMap(([p, n]) => Array(n).fill(p));

t.test('an utterance: start after min speech, with pre-roll; end after the hangover, at the first silent window', async (t) => {
  // silence 10 windows, speech 20, silence 10. minSpeech 96 ms = 3 windows, minSilence 160 ms = 5 windows.
  const events = run(seq([0.1, 10], [0.9, 20], [0.1, 10]));
  t.same(events, [
    { type: 'speech_start', startSample: 10 * W - 64 * 16, detectedAtSample: 13 * W },
    { type: 'speech_end', startSample: 10 * W - 64 * 16, endSample: 30 * W, detectedAtSample: 35 * W, reason: 'silence' },
  ]);
});

t.test('speech shorter than min speech is a blip, not an utterance', async (t) => {
  t.same(run(seq([0.1, 5], [0.9, 2], [0.1, 10])), []);
});

t.test('pauses shorter than the hangover stay inside the utterance', async (t) => {
  const events = run(seq([0.1, 4], [0.9, 10], [0.1, 4], [0.9, 10], [0.1, 10]));
  t.equal(events.length, 2);
  t.match(events[1], { type: 'speech_end', endSample: 28 * W, reason: 'silence' });
});

t.test('hysteresis: values between the thresholds neither start nor end speech', async (t) => {
  // 0.4 is above the negative threshold (0.35) but below the threshold: it keeps speech going, never starts it.
  t.same(run(seq([0.4, 20])), []);
  const events = run(seq([0.9, 5], [0.4, 20], [0.1, 6]));
  t.match(events[1], { type: 'speech_end', endSample: 25 * W, detectedAtSample: 30 * W });
});

t.test('pre-roll never reaches before the start of the stream', async (t) => {
  t.match(run(seq([0.9, 10], [0.1, 10]))[0], { type: 'speech_start', startSample: 0 });
});

t.test('the maximum length closes an utterance; speech going on opens the next from the split point', async (t) => {
  // maxUtterance 2048 ms = 64 windows; speech from window 2 (pre-roll to sample 0) for 100 windows.
  const events = run(seq([0.1, 2], [0.9, 100], [0.1, 10]));
  const split = 2 * W - 1024 + 2048 * 16;
  t.same(
    events.map((e) => [e.type, e.startSample, e.type === 'speech_end' ? [e.endSample, e.reason] : e.detectedAtSample]),
    [
      ['speech_start', 2 * W - 1024, 5 * W],
      ['speech_end', 2 * W - 1024, [split, 'max_length']],
      ['speech_start', split, split + 3 * W], // confirmed after min speech, starting at the split (no pre-roll into the last)
      ['speech_end', split, [102 * W, 'silence']],
    ],
  );
});

t.test('silence right after a maximum-length split opens no (empty) utterance', async (t) => {
  // speech from window 0 (pre-roll clipped to 0) to exactly 64 windows = 2048 ms, then silence
  const events = run(seq([0.9, 64], [0.1, 20]));
  t.same(
    events.map((e) => [e.type, e.startSample, e.type === 'speech_end' ? e.endSample - e.startSample : null]),
    [
      ['speech_start', 0, null],
      ['speech_end', 0, 2048 * 16],
    ],
  );
  t.ok(events.every((e) => e.type !== 'speech_end' || e.endSample > e.startSample), 'no zero-length utterance');
});

t.test('the end of the stream ends the utterance in progress, without its trailing silence', async (t) => {
  t.match(run(seq([0.9, 10]))[1], { type: 'speech_end', endSample: 10 * W, reason: 'stream_end' });
  t.match(run(seq([0.9, 10], [0.1, 2]))[1], { type: 'speech_end', endSample: 10 * W, reason: 'stream_end' });
  t.same(run(seq([0.9, 2])), [], 'an onset shorter than min speech is no utterance');
});

t.test('options change live and are validated', async (t) => {
  const s = new UtteranceSegmenter({ threshold: 0.5, negativeThreshold: 0.2 });
  s.update({ minSilenceMs: 1000 });
  t.equal(s.settings.negativeThreshold, 0.2, 'an explicit negative threshold survives other updates');
  t.equal(s.settings.minSilenceMs, 1000);
  t.throws(() => s.update({ threshold: 1.5 }), RangeError);
  t.throws(() => new UtteranceSegmenter({ threshold: 0.5, negativeThreshold: 0.7 }), /negativeThreshold/);
  t.throws(() => new UtteranceSegmenter({ maxUtteranceMs: 10 }), /maxUtteranceMs/);
  t.equal(s.settings.minSilenceMs, 1000, 'a rejected update changes nothing');
});
