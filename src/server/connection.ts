import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { AudioInput, EmotionStream, StreamFormat } from '../plugin/emotionStream.js';
import { EVENT_VERSION, type PluginEvent } from '../plugin/events.js';
import { CLOSE } from './closeCodes.js';
import { ProtocolError } from './messages.js';
import type { ConnectionControl, ProtocolAdapter, ProtocolFactory } from './protocols/protocol.js';

/** What a connection needs of its server. */
export interface ConnectionHost {
  readonly options: { startTimeoutMs: number; idleTimeoutMs: number; maxStreams: number; maxBufferedBytes: number; logger: Logger };
  openStream(format: StreamFormat, id?: string, role?: string): Promise<EmotionStream | undefined>;
  emit(name: 'event', event: PluginEvent): boolean;
}

const PAUSE_AT = 64;
const RESUME_AT = 16;

/** One WebSocket and the streams it carries (one, or one per side of the call), whatever its protocol: the adapter
 *  turns messages into stream operations. */
export class Connection implements ConnectionControl {
  /** By role ('' for a connection of one stream). */
  private readonly streams = new Map<string, EmotionStream>();
  private starting = false;
  private timer?: NodeJS.Timeout;
  private finishing?: Promise<void>;
  private finished = false;
  /** Messages are handled one after the other (a `start` opens its stream before the audio behind it is pushed). */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly protocol: ProtocolAdapter;

  constructor(
    private readonly server: ConnectionHost,
    private readonly ws: WebSocket,
    /** The protocol's name (its path without the slash), for metrics and logs. */
    readonly protocolName: string,
    protocol: ProtocolFactory,
    readonly remote: string,
  ) {
    this.protocol = protocol(this);
    this.arm(server.options.startTimeoutMs, 'no start message');
    ws.on('message', (data, isBinary) => this.enqueueMessage(data, isBinary));
    ws.on('error', () => this.finishAfterQueued(CLOSE.POLICY_VIOLATION, 'socket error'));
    ws.on('close', () => this.finishAfterQueued());
  }

  /** Every message a client sent before its connection ended (dropped or not) is handled before the stream is
   *  finished: a busy server may still be behind, and that audio belongs to the utterance being scored. */
  finishAfterQueued(code?: number, reason?: string): void {
    this.chain = this.chain.then(() => this.finish(code, reason));
  }

  /** A client sending faster than the pipeline runs is paused (TCP backpressure) instead of buffered without bound. */
  private enqueueMessage(data: RawData, isBinary: boolean): void {
    if (++this.queued > PAUSE_AT) this.ws.pause();
    this.chain = this.chain.then(async () => {
      await this.message(data, isBinary);
      if (--this.queued < RESUME_AT && this.ws.isPaused) this.ws.resume();
    });
  }

  enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(() => this.run(task, true));
  }

  /** Streams opened and not yet finished (their last events sent); the socket may still be closing. */
  get openStreams(): number {
    return this.finished ? 0 : this.streams.size;
  }

  /** A stream is open (or the connection is ending): it no longer counts as pending. */
  get started(): boolean {
    return this.streams.size > 0 || this.finishing !== undefined;
  }

  get opened(): boolean {
    return this.streams.size > 0 || this.starting;
  }

  private get firstStreamId(): string {
    return this.streams.values().next().value?.id ?? '';
  }

  private message(data: RawData, isBinary: boolean): Promise<void> {
    // Until the stream starts, only the start deadline runs: other messages do not extend it.
    return this.run(() => this.protocol.message(data, isBinary), this.streams.size > 0);
  }

  /** One step of the connection's work, skipped once it is ending. A step that is activity on a stream re-arms the
   *  idle deadline; what a step throws becomes an error event. */
  private async run(step: () => Promise<void>, activity: boolean): Promise<void> {
    if (this.finishing) return;
    if (activity) this.arm(this.server.options.idleTimeoutMs, 'idle');
    try {
      await step();
    } catch (err) {
      this.reject(err);
    }
  }

  async push(audio: AudioInput, early: string, role = ''): Promise<void> {
    const stream = this.streams.get(role);
    if (!stream) {
      if (this.streams.size === 0) throw new ProtocolError('AUDIO_BEFORE_START', early, CLOSE.PROTOCOL_ERROR);
      throw new ProtocolError('UNKNOWN_ROLE', `audio for ${JSON.stringify(role)}, which this call did not start`);
    }
    await stream.push(audio);
  }

  stop(reason = 'stopped'): Promise<void> {
    return this.finish(CLOSE.NORMAL, reason);
  }

  /** Opens the connection's stream, or with `roles` one mono stream per role (ids `<id>:<role>`), all at once. */
  async start(format: StreamFormat, id?: string, roles: readonly string[] = ['']): Promise<void> {
    if (this.streams.size > 0 || this.starting) throw new ProtocolError('ALREADY_STARTED', 'the stream has already started', CLOSE.PROTOCOL_ERROR);
    this.starting = true;
    clearTimeout(this.timer); // the start has arrived: opening the stream may take a while on a busy server
    const opened: EmotionStream[] = [];
    try {
      for (const role of roles) {
        const stream = await this.server.openStream(format, role && id ? `${id}:${role}` : id, role || undefined);
        if (!stream) throw new ProtocolError('TOO_MANY_STREAMS', `the server is at its limit of ${this.server.options.maxStreams} streams`, CLOSE.TRY_AGAIN_LATER);
        opened.push(stream);
      }
    } catch (err) {
      await Promise.all(opened.map((s) => s.close())); // a call opens all its sides or none
      throw err;
    }
    if (this.finishing) return void (await Promise.all(opened.map((s) => s.close()))); // the connection ended while they opened
    this.arm(this.server.options.idleTimeoutMs, 'idle');
    for (const [i, stream] of opened.entries()) {
      this.streams.set(roles[i], stream);
      const log = this.server.options.logger.child({ streamId: stream.id, protocol: this.protocolName, ...(stream.role ? { role: stream.role } : {}) });
      log.info({ remote: this.remote, sampleRate: stream.format.sampleRate, encoding: stream.format.encoding }, 'stream started');
      stream.on('error', (e) => log.warn({ code: e.code, utteranceId: e.utteranceId, fatal: e.fatal }, e.message));
      stream.on('call_summary', (e) => log.info({ durationMs: e.durationMs, speechMs: e.speechMs, utterances: e.utterances, failedUtterances: e.failedUtterances }, 'stream ended'));
      if (this.protocol.repliesOnSocket) {
        this.send({ type: 'started', streamId: stream.id, ...(stream.role ? { role: stream.role } : {}) });
        stream.on('*', (event) => this.send(event));
      }
    }
  }

  /** Sends an event, unless the client has stopped reading: interim results are skipped past half the limit, and a
   *  client over the limit is closed (its stream is still finished, and its events still reach server listeners). */
  send(event: PluginEvent | { type: string; [k: string]: unknown }): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const buffered = this.ws.bufferedAmount;
    const limit = this.server.options.maxBufferedBytes;
    if (buffered > limit) return void this.finish(CLOSE.POLICY_VIOLATION, 'client is not reading its events');
    if (buffered > limit / 2 && event.type === 'emotion' && !(event as { final?: boolean }).final) return;
    const text = JSON.stringify(event);
    this.ws.send(text);
    this.protocol.alsoSend?.(text);
  }

  /** A bad message: an error event to the client (where its protocol reads ours) and to the server's listeners, and
   *  a close with a meaningful code where the stream cannot go on. */
  private reject(err: unknown): void {
    const e = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL', String((err as Error)?.message ?? err), CLOSE.POLICY_VIOLATION);
    const event: PluginEvent = { version: EVENT_VERSION, streamId: this.firstStreamId, type: 'error', code: e.code, message: e.message, fatal: e.closeCode !== undefined };
    if (this.protocol.repliesOnSocket) this.send(event);
    this.server.emit('event', event);
    this.server.options.logger.warn({ streamId: event.streamId || undefined, protocol: this.protocolName, remote: this.remote, code: e.code }, e.message);
    if (e.closeCode !== undefined) void this.finish(e.closeCode, e.code);
  }

  private arm(ms: number, reason: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.finish(CLOSE.POLICY_VIOLATION, reason), ms);
  }

  /** Finishes the stream (its last utterance is scored and sent) and closes the socket. */
  finish(code: number = CLOSE.NORMAL, reason = ''): Promise<void> {
    this.finishing ??= (async () => {
      clearTimeout(this.timer);
      await Promise.all([...this.streams.values()].map((s) => s.close()));
      if (this.protocol.repliesOnSocket) for (const s of this.streams.values()) this.send({ type: 'stopped', streamId: s.id, ...(s.role ? { role: s.role } : {}) });
      this.protocol.close?.();
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason.slice(0, 120));
      this.finished = true;
    })();
    return this.finishing;
  }
}
