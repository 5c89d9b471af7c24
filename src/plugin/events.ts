/**
 * What a host receives: a versioned, JSON-serialisable discriminated union. Times are ms on the stream's own audio
 * clock (0 = the stream's first sample); `utteranceId` is unique within the stream.
 */
export const EVENT_VERSION = 1;

interface EventBase {
  version: typeof EVENT_VERSION;
  streamId: string;
}

export interface SpeechStartEvent extends EventBase {
  type: 'speech_start';
  utteranceId: string;
  /** Start of the utterance, including the VAD's pre-roll. */
  startMs: number;
}

export interface SpeechEndEvent extends EventBase {
  type: 'speech_end';
  utteranceId: string;
  startMs: number;
  /** End of the speech (the trailing silence that confirmed it is excluded). */
  endMs: number;
  durationMs: number;
  /** Why it ended: silence after speech, the maximum utterance length, or the end of the stream. */
  reason: 'silence' | 'max_length' | 'stream_end';
}

export interface EmotionEvent extends EventBase {
  type: 'emotion';
  utteranceId: string;
  /** false: an interim estimate on the utterance so far; true: the utterance's one final result. */
  final: boolean;
  startMs: number;
  endMs: number;
  label: string;
  probabilities: Record<string, number>;
  /** Attention-based speech activity, one score in [0, 1] per 10 ms frame; frame i starts at frameStartMs + 10 i. */
  activity: number[];
  frameStartMs: number;
  /** Share of frames with activity of at least 0.5. */
  speechRatio: number;
  modelId: string;
  /** The utterance was shorter than the model's minimum and was padded with silence. */
  padded: boolean;
  /** Final events: wall-clock ms from the VAD's end decision to this event. */
  latencyMs?: number;
}

export type StreamErrorCode =
  | 'BAD_AUDIO'
  | 'INFERENCE_FAILED'
  | 'QUEUE_FULL'
  | 'INPUT_BACKLOG'
  | 'STREAM_CLOSED'
  | 'SOURCE_FAILED'
  | 'INTERNAL';

export interface ErrorEvent extends EventBase {
  type: 'error';
  code: StreamErrorCode | string;
  message: string;
  /** The utterance that will get no emotion event because of this error, if any. */
  utteranceId?: string;
  /** true if the stream cannot go on (it is closed); a bad chunk or a failed inference is not fatal. */
  fatal: boolean;
}

export type PluginEvent = SpeechStartEvent | SpeechEndEvent | EmotionEvent | ErrorEvent;
export type PluginEventType = PluginEvent['type'];
