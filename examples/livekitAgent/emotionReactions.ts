import type { LocalParticipant } from '@livekit/rtc-node';
import type { PluginEvent } from '../../src/index.js';
import { AngerRule, DEFAULT_ANGER_RULE, type AngerRuleOptions } from '../callCentre/angerRule.js';

/** The agent's own participant in the room: where its reactions become visible to the room's other members. */
export type AgentParticipant = Pick<LocalParticipant, 'publishData' | 'setAttributes'>;

export interface Escalation {
  type: 'escalate';
  participant: string;
  angry: number;
  reason: string;
}

/**
 * What a voice agent does with a caller's emotion: each final result becomes the agent's participant attribute
 * `emotion.<identity>` (a front end or a supervisor dashboard shows it live), and when a caller is angry in k of
 * their last n utterances the agent publishes one `escalate` message on the `escalation` topic, which a dispatcher
 * acts on (hand the call to a senior agent, change the bot's tone).
 */
export class EmotionReactions {
  private readonly rule: AngerRule;
  private readonly encoder = new TextEncoder();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly agent: AgentParticipant,
    rule: AngerRuleOptions = DEFAULT_ANGER_RULE,
    private readonly log: (line: string) => void = console.log,
  ) {
    this.rule = new AngerRule(rule);
  }

  /** Takes every plugin event; room updates are sent one after another, in the order of the events. */
  onEvent(event: PluginEvent): Promise<void> {
    this.queue = this.queue.then(() => this.react(event)).catch((err) => this.log(`reaction failed: ${(err as Error).message}`));
    return this.queue;
  }

  /** The participant left: their anger history is forgotten. */
  participantLeft(identity: string): void {
    this.rule.end(identity);
  }

  private async react(event: PluginEvent): Promise<void> {
    if (event.type !== 'emotion' || !event.final) return;
    const percent = (p: number) => `${Math.round(100 * p)}%`;
    await this.agent.setAttributes({ [`emotion.${event.streamId}`]: `${event.label} ${percent(event.probabilities[event.label])}` });
    if (!this.rule.observe(event.streamId, event.probabilities.angry)) return;
    const { k, n, threshold } = this.rule.options;
    const escalation: Escalation = {
      type: 'escalate',
      participant: event.streamId,
      angry: event.probabilities.angry,
      reason: `angry (p >= ${threshold}) in ${k} of the last ${n} utterances`,
    };
    await this.agent.publishData(this.encoder.encode(JSON.stringify(escalation)), { reliable: true, topic: 'escalation' });
    this.log(`escalate ${event.streamId}: ${escalation.reason}`);
  }
}
