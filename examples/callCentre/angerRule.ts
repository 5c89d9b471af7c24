/**
 * "Route to a senior agent" without flipping on one noisy utterance: a caller is escalated when at least `k` of
 * their last `n` utterances were angry with probability of at least `threshold`. Once escalated, a call stays so.
 */
export interface AngerRuleOptions {
  k: number;
  n: number;
  threshold: number;
}

export const DEFAULT_ANGER_RULE: AngerRuleOptions = { k: 2, n: 3, threshold: 0.6 };

export class AngerRule {
  private readonly recent = new Map<string, boolean[]>();
  private readonly escalated = new Set<string>();

  constructor(readonly options: AngerRuleOptions = DEFAULT_ANGER_RULE) {
    if (!(options.k >= 1 && options.k <= options.n)) throw new RangeError('need 1 <= k <= n');
  }

  /** Records one final utterance result of a call; true exactly when this utterance triggers the escalation. */
  observe(callId: string, angerProbability: number): boolean {
    if (this.escalated.has(callId)) return false;
    const window = [...(this.recent.get(callId) ?? []), angerProbability >= this.options.threshold].slice(-this.options.n);
    this.recent.set(callId, window);
    if (window.filter(Boolean).length < this.options.k) return false;
    this.escalated.add(callId);
    return true;
  }

  /** The call ended: forget it. */
  end(callId: string): void {
    this.recent.delete(callId);
    this.escalated.delete(callId);
  }
}
