import type { AudioFrame, LocalParticipant, Track } from '@livekit/rtc-node';
import type { EmotionPlugin } from './emotionPlugin.js';
import type { EmotionStream, StreamOptions } from './emotionStream.js';
import type { PluginEvent } from './events.js';

/** Where results go so that a LiveKit agent (or the room's other participants) can act on them. */
export type DataPublisher = Pick<LocalParticipant, 'publishData'>;

export interface LiveKitAdapterOptions {
  /** Publishes every event as JSON on the room's data channel (e.g. room.localParticipant). */
  publisher?: DataPublisher;
  /** Data channel topic (default 'emotion'). */
  topic?: string;
  /** Event types published (default: every type). */
  publish?: PluginEvent['type'][];
  stream?: StreamOptions;
  /** Every event of every participant, for the agent's own reactions (the identity is the event's streamId). */
  onEvent?: (event: PluginEvent) => void;
  /** Called when publishing fails (a room that is gone); default: a line on stderr. The stream goes on. */
  onPublishError?: (error: unknown, event: PluginEvent) => void;
}

/**
 * LiveKit Agents for Node: feeds a participant's audio (AudioFrame objects of @livekit/rtc-node: interleaved Int16
 * samples with their sample rate and channel count) into the plugin, one stream per participant, and publishes the
 * events on the room's data channel. @livekit/rtc-node is an optional peer dependency: only attachTrack() loads it.
 */
export class LiveKitEmotionAdapter {
  private readonly participants = new Map<string, Promise<EmotionStream>>();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly plugin: EmotionPlugin,
    private readonly options: LiveKitAdapterOptions = {},
  ) {}

  /** The stream of a participant, opened on its first frame with that frame's format. */
  stream(identity: string, frame: AudioFrame): Promise<EmotionStream> {
    let opened = this.participants.get(identity);
    if (!opened) {
      opened = this.plugin.openStream({ sampleRate: frame.sampleRate, channels: frame.channels }, { id: identity, ...this.options.stream }).then((s) => {
        s.on('*', (event) => {
          try {
            this.options.onEvent?.(event);
          } catch (err) {
            console.error(`emotion event handler failed: ${(err as Error).message}`);
          }
          void this.publish(event);
        });
        return s;
      });
      this.participants.set(identity, opened);
    }
    return opened;
  }

  /** Pushes one frame of a participant's audio; resolves when it has been processed. */
  async pushFrame(identity: string, frame: AudioFrame): Promise<void> {
    const stream = await this.stream(identity, frame);
    if (frame.sampleRate !== stream.format.sampleRate || frame.channels !== stream.format.channels) {
      stream.reportSourceError(
        new Error(`frame format ${frame.sampleRate} Hz x ${frame.channels} differs from the stream's ${stream.format.sampleRate} Hz x ${stream.format.channels}; frame skipped`),
      );
      return;
    }
    await stream.push(frame.data);
  }

  /** Reads a subscribed audio track until it ends, then closes the participant's stream. */
  async attachTrack(track: Track, identity: string): Promise<void> {
    const { AudioStream } = await import('@livekit/rtc-node');
    for await (const frame of new AudioStream(track)) await this.pushFrame(identity, frame);
    await this.closeParticipant(identity);
  }

  /** The participant left: their utterance in progress is finished and scored. */
  async closeParticipant(identity: string): Promise<void> {
    const stream = this.participants.get(identity);
    this.participants.delete(identity);
    await (await stream)?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.participants.keys()].map((id) => this.closeParticipant(id)));
  }

  private async publish(event: PluginEvent): Promise<void> {
    const { publisher, topic = 'emotion', publish } = this.options;
    if (!publisher || (publish && !publish.includes(event.type))) return;
    try {
      await publisher.publishData(this.encoder.encode(JSON.stringify(event)), { reliable: true, topic });
    } catch (err) {
      (this.options.onPublishError ?? ((e) => console.error(`emotion event not published: ${(e as Error).message}`)))(err, event);
    }
  }
}
