/**
 * What a host receives: a versioned, JSON-serialisable discriminated union. Times are ms on the stream's own audio
 * clock (0 = the stream's first sample); `utteranceId` is unique within the stream.
 */
export const EVENT_VERSION = 1;

interface EventBase {
  version: typeof EVENT_VERSION;
  streamId: string;
  /** The side of the call the stream carries ('caller', 'agent'), where a connection carries more than one. */
  role?: string;
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
  /** With the stream's adaptation 'caller': the model's own probabilities, before the correction by the caller's
   *  earlier utterances that `label` and `probabilities` carry. */
  unadapted?: Record<string, number>;
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

/** Per final label: how many utterances got it, their speech time, and that time's share of all scored speech. */
export interface LabelShare {
  utterances: number;
  speechMs: number;
  share: number;
}

/** The stream's last event, once its last utterance is scored: the call as a whole. */
export interface CallSummaryEvent extends EventBase {
  type: 'call_summary';
  /** Audio received, in ms of the stream's clock. */
  durationMs: number;
  /** Speech in the utterances that got a final emotion. */
  speechMs: number;
  utterances: number;
  /** Utterances that got an error event instead of a final emotion. */
  failedUtterances: number;
  labels: Record<string, LabelShare>;
  /** Each class's probability averaged over the scored utterances, weighted by their duration. */
  meanProbabilities: Record<string, number>;
  /** The utterance with the highest angry probability, if any was scored. */
  peakAngry: { probability: number; utteranceId: string; startMs: number; endMs: number } | null;
  /** Final labels of the last three scored utterances, oldest first: how the call ended. */
  lastLabels: string[];
}

export type PluginEvent = SpeechStartEvent | SpeechEndEvent | EmotionEvent | ErrorEvent | CallSummaryEvent;
export type PluginEventType = PluginEvent['type'];
