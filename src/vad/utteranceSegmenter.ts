/**
 * The utterance state machine: turns per-window speech probabilities into utterances, with the knobs voice agents
 * expose. Pure and synchronous; times are sample positions at 16 kHz, reported in ms on the stream's clock.
 */
export interface SegmenterOptions {
  /** Probability at or above which a window is speech. */
  threshold: number;
  /** Probability below which a window is silence (hysteresis; default threshold - 0.15, as Silero advises). */
  negativeThreshold?: number;
  /** Speech shorter than this is a blip (a cough, a click) and is not an utterance. */
  minSpeechMs: number;
  /** Silence that must follow speech before the utterance ends (the hangover): shorter pauses stay inside it. */
  minSilenceMs: number;
  /** Audio kept before the detected start, so the first syllable's onset is not cut. */
  preRollMs: number;
  /** Utterances are closed at this length (bounded memory and latency); speech that goes on past the split opens the
   *  next one from the split point, once it has lasted minSpeechMs, so silence right after a split opens nothing. */
  maxUtteranceMs: number;
}

export const DEFAULT_SEGMENTER_OPTIONS: SegmenterOptions = {
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 500,
  preRollMs: 200,
  maxUtteranceMs: 20000,
};

export type SegmentEvent =
  | { type: 'speech_start'; startSample: number; detectedAtSample: number }
  | {
      type: 'speech_end';
      startSample: number;
      endSample: number;
      detectedAtSample: number;
      reason: 'silence' | 'max_length' | 'stream_end';
    };

export const SAMPLES_PER_MS = 16;

type State =
  | { kind: 'silence' }
  | { kind: 'onset'; speechStart: number; floor: number }
  | { kind: 'speech'; start: number }
  | { kind: 'trailing'; start: number; silenceStart: number };

export class UtteranceSegmenter {
  private state: State = { kind: 'silence' };
  private given: SegmenterOptions;
  private options: Required<SegmenterOptions>;

  constructor(options: Partial<SegmenterOptions> = {}) {
    this.given = { ...DEFAULT_SEGMENTER_OPTIONS, ...options };
    this.options = resolve(this.given);
  }

  /** Live option changes apply from the next window on. */
  update(options: Partial<SegmenterOptions>): void {
    const given = { ...this.given, ...options };
    this.options = resolve(given);
    this.given = given;
  }

  get settings(): Readonly<Required<SegmenterOptions>> {
    return this.options;
  }

  /** Outside any utterance, and not at the onset of one: a window heard now can only start one. */
  get idle(): boolean {
    return this.state.kind === 'silence';
  }

    /** In an utterance and hearing speech (not in the silence that may end it). */
  get speaking(): boolean {
    return this.state.kind === 'speech';
  }

  /** Start of the utterance in progress, if any. */
  get utteranceStart(): number | undefined {
    return this.state.kind === 'speech' || this.state.kind === 'trailing' ? this.state.start : undefined;
  }

  /** One VAD window [start, end) with its speech probability; returns what it decided. */
  push(probability: number, start: number, end: number): SegmentEvent[] {
    const o = this.options;
    const ms = (v: number) => v * SAMPLES_PER_MS;
    const s = this.state;
    const events: SegmentEvent[] = [];
    const speech = probability >= o.threshold;
    const silent = probability < o.negativeThreshold;
    switch (s.kind) {
      case 'silence':
        if (speech) this.state = { kind: 'onset', speechStart: start, floor: 0 };
        break;
      case 'onset':
        if (silent) this.state = { kind: 'silence' };
        else if (end - s.speechStart >= ms(o.minSpeechMs)) {
          const begin = Math.max(s.floor, s.speechStart - ms(o.preRollMs));
          events.push({ type: 'speech_start', startSample: begin, detectedAtSample: end });
          this.state = { kind: 'speech', start: begin };
        }
        break;
      case 'speech':
        if (silent) this.state = { kind: 'trailing', start: s.start, silenceStart: start };
        break;
      case 'trailing':
        if (speech) this.state = { kind: 'speech', start: s.start };
        else if (end - s.silenceStart >= ms(o.minSilenceMs)) {
          events.push({ type: 'speech_end', startSample: s.start, endSample: s.silenceStart, detectedAtSample: end, reason: 'silence' });
          this.state = { kind: 'silence' };
        }
        break;
    }
    const current = this.state;
    if ((current.kind === 'speech' || current.kind === 'trailing') && end - current.start >= ms(o.maxUtteranceMs)) {
      events.push({ type: 'speech_end', startSample: current.start, endSample: end, detectedAtSample: end, reason: 'max_length' });
      // Pre-roll never reaches back into the utterance just closed.
      this.state = current.kind === 'speech' ? { kind: 'onset', speechStart: end, floor: end } : { kind: 'silence' };
    }
    return events;
  }

  /** The stream ended at sample `end`: an utterance in progress ends there (its trailing silence excluded). */
  flush(end: number): SegmentEvent[] {
    const s = this.state;
    this.state = { kind: 'silence' };
    if (s.kind === 'speech') return [{ type: 'speech_end', startSample: s.start, endSample: end, detectedAtSample: end, reason: 'stream_end' }];
    if (s.kind === 'trailing') return [{ type: 'speech_end', startSample: s.start, endSample: s.silenceStart, detectedAtSample: end, reason: 'stream_end' }];
    return [];
  }
}

function resolve(o: SegmenterOptions): Required<SegmenterOptions> {
  const check = (name: string, value: number, min: number, max = Infinity) => {
    if (!Number.isFinite(value) || value < min || value > max) throw new RangeError(`VAD option ${name} = ${value} is outside [${min}, ${max}]`);
  };
  check('threshold', o.threshold, 0, 1);
  const negativeThreshold = o.negativeThreshold ?? Math.max(0, o.threshold - 0.15);
  check('negativeThreshold', negativeThreshold, 0, o.threshold);
  check('minSpeechMs', o.minSpeechMs, 0);
  check('minSilenceMs', o.minSilenceMs, 0);
  check('preRollMs', o.preRollMs, 0);
  check('maxUtteranceMs', o.maxUtteranceMs, 500);
  return { ...o, negativeThreshold };
}
