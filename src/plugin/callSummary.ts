import type { CallSummaryEvent, EmotionEvent, LabelShare, PluginEvent } from './events.js';

type Summary = Omit<CallSummaryEvent, 'version' | 'streamId' | 'type'>;

/** Rolls a stream's events up into its call summary: fed every event, asked once at the end. */
export class CallSummary {
  private readonly finals: EmotionEvent[] = [];
  private readonly failed = new Set<string>();

  observe(event: PluginEvent): void {
    if (event.type === 'emotion' && event.final) this.finals.push(event);
    else if (event.type === 'error' && event.utteranceId !== undefined) this.failed.add(event.utteranceId);
  }

  summary(durationMs: number): Summary {
    const finals = [...this.finals].sort((a, b) => a.startMs - b.startMs);
    const scored = new Set(finals.map((e) => e.utteranceId));
    const duration = (e: EmotionEvent) => e.endMs - e.startMs;
    const speechMs = finals.reduce((sum, e) => sum + duration(e), 0);
    const labels: Record<string, LabelShare> = {};
    const weighted: Record<string, number> = {};
    for (const e of finals) {
      const share = (labels[e.label] ??= { utterances: 0, speechMs: 0, share: 0 });
      share.utterances++;
      share.speechMs += duration(e);
      for (const [label, p] of Object.entries(e.probabilities)) weighted[label] = (weighted[label] ?? 0) + p * duration(e);
    }
    for (const share of Object.values(labels)) share.share = round(speechMs > 0 ? share.speechMs / speechMs : 0);
    const angriest = finals.reduce<EmotionEvent | undefined>((top, e) => ((e.probabilities.angry ?? 0) > (top?.probabilities.angry ?? -1) ? e : top), undefined);
    return {
      durationMs,
      speechMs,
      utterances: finals.length,
      failedUtterances: [...this.failed].filter((id) => !scored.has(id)).length,
      labels,
      meanProbabilities: Object.fromEntries(Object.entries(weighted).map(([label, w]) => [label, round(speechMs > 0 ? w / speechMs : 0)])),
      peakAngry:
        angriest && angriest.probabilities.angry !== undefined
          ? { probability: angriest.probabilities.angry, utteranceId: angriest.utteranceId, startMs: angriest.startMs, endMs: angriest.endMs }
          : null,
      lastLabels: finals.slice(-3).map((e) => e.label),
    };
  }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
