import { VAD_WINDOW, type SileroVad } from './sileroVad.js';
import { SAMPLES_PER_MS, UtteranceSegmenter, type SegmenterOptions } from './utteranceSegmenter.js';

/**
 * The utterances of a whole 16 kHz recording, as a live stream of it would find them: Silero VAD over consecutive
 * windows, then the same utterance state machine (its defaults unless told otherwise). Times in ms from the start.
 */
export async function speechSegments(samples: Float32Array, vad: SileroVad, options: Partial<SegmenterOptions> = {}): Promise<{ startMs: number; endMs: number }[]> {
  const stream = vad.createStream();
  const segmenter = new UtteranceSegmenter(options);
  const segments: { startMs: number; endMs: number }[] = [];
  const collect = (events: ReturnType<UtteranceSegmenter['push']>) => {
    for (const e of events) if (e.type === 'speech_end') segments.push({ startMs: e.startSample / SAMPLES_PER_MS, endMs: e.endSample / SAMPLES_PER_MS });
  };
  let position = 0;
  for (; position + VAD_WINDOW <= samples.length; position += VAD_WINDOW) {
    const probability = await stream.probability(samples.subarray(position, position + VAD_WINDOW));
    collect(segmenter.push(probability, position, position + VAD_WINDOW));
  }
  collect(segmenter.flush(position));
  return segments;
}
