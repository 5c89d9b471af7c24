import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EmotionPlugin } from '../plugin/emotionPlugin.js';
import type { EmotionStream, StreamFormat, StreamOptions } from '../plugin/emotionStream.js';
import { EVENT_VERSION, type PluginEvent } from '../plugin/events.js';
import { CLOSE } from './closeCodes.js';
import { ProtocolError, parseClientMessage, parseL16Start, parseTwilioMessage, parseWebRtcMessage } from './messages.js';
import type { WebRtcPeer } from './webrtcPeer.js';

export interface ServerOptions {
  plugin: EmotionPlugin;
  port?: number;
  host?: string;
  /** When set, a connection must present it (`?token=` or `Authorization: Bearer`) or is refused before any audio. */
  authToken?: string;
  /** Largest WebSocket message in bytes (default 64 KiB: 2 s of 16 kHz 16-bit audio). */
  maxPayload?: number;
  /** Streams open at once on this server (default 200); more are refused with close code 1013. */
  maxStreams?: number;
  /** A connection must send `start` (or its protocol's equivalent; for WebRTC, its first real audio) within this time
   *  (default 5 s), whatever else it sends. */
  startTimeoutMs?: number;
  /** Connections that have not started a stream yet, at most, in total (default 512) and from one remote address
   *  (default 128: a media gateway reconnecting 100 calls at once); more are refused at the upgrade with 503 and 429.
   *  Started streams count against maxStreams. */
  maxPending?: number;
  maxPendingPerAddress?: number;
  /** A stream that receives nothing for this long is finished and closed (default 30 s). */
  idleTimeoutMs?: number;
  /** Events waiting in a socket's send buffer beyond this are a client that does not read: it is closed (1 MiB). */
  maxBufferedBytes?: number;
  stream?: StreamOptions;
  /** Answers plain HTTP requests (a page that uses the server, say); by default they get 426 Upgrade Required. */
  onRequest?: (request: IncomingMessage, response: ServerResponse) => void;
}

/** The WebSocket paths the server answers, and the protocol each speaks. */
export const ENDPOINTS = { '/stream': 'native', '/twilio': 'twilio', '/vonage': 'l16', '/jambonz': 'l16', '/webrtc': 'webrtc' } as const;

/**
 * The WebSocket ingress: the project's own protocol on /stream (JSON `start`, binary audio, JSON events back, `stop`),
 * a Twilio Media Streams endpoint on /twilio (base64 mu-law 8 kHz; events go to the server's 'event' listeners,
 * since Twilio accepts no other messages), binary L16 telephony streams on /vonage and /jambonz (a first text
 * message of call metadata, then 16-bit PCM; events go to the 'event' listeners too), and WebRTC signalling on /webrtc (the audio arrives over the peer
 * connection; events go back on the socket and on the client's data channel). Every event of every stream is also emitted as 'event'; 'connection' and
 * 'closed' give the stream id when a stream opens and when it has finished (its last events emitted).
 */
export class EmotionServer extends EventEmitter<{ event: [PluginEvent]; connection: [string]; closed: [string] }> {
  private readonly wss: WebSocketServer;
  private readonly active = new Set<Connection>();
  private closing?: Promise<void>;
  readonly options: Required<Omit<ServerOptions, 'authToken' | 'stream' | 'onRequest'>> & Pick<ServerOptions, 'authToken' | 'stream'>;

  private constructor(
    private readonly http: Server,
    options: ServerOptions,
  ) {
    super();
    this.options = {
      port: 8080,
      host: '127.0.0.1',
      maxPayload: 64 * 1024,
      maxStreams: 200,
      startTimeoutMs: 5000,
      maxPending: 512,
      maxPendingPerAddress: 128,
      idleTimeoutMs: 30000,
      maxBufferedBytes: 1 << 20,
      ...options,
    };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayload });
    http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  static async listen(options: ServerOptions): Promise<EmotionServer> {
    const plain = options.onRequest ?? ((_, res) => res.writeHead(426).end('WebSocket only: /stream, /twilio or /webrtc\n'));
    const server = new EmotionServer(createHttpServer(plain), options);
    await new Promise<void>((resolve, reject) => {
      server.http.once('error', reject);
      server.http.listen(server.options.port, server.options.host, resolve);
    });
    return server;
  }

  get address(): AddressInfo {
    return this.http.address() as AddressInfo;
  }

  get streams(): number {
    return [...this.active].filter((c) => c.streamOpen).length;
  }

  /** Stops accepting, finishes every stream (utterances in flight are scored and sent), then closes the sockets. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      await Promise.all([...this.active].map((c) => c.finish(CLOSE.GOING_AWAY, 'server shutting down')));
      this.http.closeAllConnections();
      await stopped;
    })();
    return this.closing;
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // A refused socket is destroyed once its answer is written (at the latest after REFUSED_LINGER_MS), so a client
    // that keeps sending cannot hold it half-open, and shutdown never waits on it.
    const refuse = (status: number, reason: string) => {
      const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      socket.once('close', () => clearTimeout(linger));
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (this.closing) return refuse(503, 'Service Unavailable');
    // The token is checked before anything else, so that paths cannot be probed without it.
    if (this.options.authToken !== undefined && !tokenMatches(this.options.authToken, request, url)) return refuse(401, 'Unauthorized');
    const kind = ENDPOINTS[url.pathname as keyof typeof ENDPOINTS];
    if (!kind) return refuse(404, 'Not Found');
    const remote = request.socket.remoteAddress ?? '';
    const pending = [...this.active].filter((c) => !c.started);
    if (pending.length >= this.options.maxPending) return refuse(503, 'Service Unavailable');
    if (pending.filter((c) => c.remote === remote).length >= this.options.maxPendingPerAddress) return refuse(429, 'Too Many Requests');
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection(this, ws, kind, remote);
      this.active.add(connection);
      ws.on('close', () => this.active.delete(connection));
    });
  }

  /** Ids of the streams open now: a second connection may not take a live call's id (its events would pass for the
   *  other call's). */
  private readonly liveIds = new Set<string>();

  /** For connections: opens a stream if the server-wide limit allows. */
  async openStream(format: StreamFormat, id?: string): Promise<EmotionStream | undefined> {
    if (this.streams >= this.options.maxStreams) return undefined;
    if (id !== undefined && this.liveIds.has(id)) {
      throw new ProtocolError('DUPLICATE_STREAM_ID', `stream id ${JSON.stringify(id)} belongs to a stream that is still open`, CLOSE.POLICY_VIOLATION);
    }
    if (id !== undefined) this.liveIds.add(id);
    let stream: EmotionStream;
    try {
      stream = await this.options.plugin.openStream(format, { ...this.options.stream, ...(id ? { id } : {}) });
    } catch (err) {
      if (id !== undefined) this.liveIds.delete(id);
      throw err;
    }
    this.liveIds.add(stream.id);
    stream.on('*', (e) => this.emit('event', e));
    stream.events.subscribe({
      complete: () => {
        this.liveIds.delete(stream.id);
        this.emit('closed', stream.id);
      },
    });
    this.emit('connection', stream.id);
    return stream;
  }
}

const REFUSED_LINGER_MS = 1000;

/** `?token=` or `Authorization: Bearer <token>` (the scheme is required), compared in constant time (as digests, so
 *  that the lengths need not match either). */
function tokenMatches(token: string, request: IncomingMessage, url: URL): boolean {
  const header = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const given = url.searchParams.get('token') ?? header;
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

const PAUSE_AT = 64;
const RESUME_AT = 16;

/** One WebSocket and the stream it carries. */
class Connection {
  stream?: EmotionStream;
  private starting = false;
  private timer?: NodeJS.Timeout;
  private finishing?: Promise<void>;
  private finished = false;
  /** Messages are handled one after the other (a `start` opens its stream before the audio behind it is pushed). */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly server: EmotionServer,
    private readonly ws: WebSocket,
    private readonly kind: 'native' | 'twilio' | 'l16' | 'webrtc',
    readonly remote: string,
  ) {
    this.arm(server.options.startTimeoutMs, 'no start message');
    ws.on('message', (data, isBinary) => this.enqueue(data, isBinary));
    ws.on('error', () => this.finishAfterQueued(CLOSE.POLICY_VIOLATION, 'socket error'));
    ws.on('close', () => this.finishAfterQueued());
  }

  /** Every message a client sent before its connection ended (dropped or not) is handled before the stream is
   *  finished: a busy server may still be behind, and that audio belongs to the utterance being scored. */
  private finishAfterQueued(code?: number, reason?: string): void {
    this.chain = this.chain.then(() => this.finish(code, reason));
  }

  /** A client sending faster than the pipeline runs is paused (TCP backpressure) instead of buffered without bound. */
  private enqueue(data: RawData, isBinary: boolean): void {
    if (++this.queued > PAUSE_AT) this.ws.pause();
    this.chain = this.chain.then(async () => {
      await this.message(data, isBinary);
      if (--this.queued < RESUME_AT && this.ws.isPaused) this.ws.resume();
    });
  }

  /** The stream has opened and is not yet finished (its last events sent); the socket may still be closing. */
  get streamOpen(): boolean {
    return this.stream !== undefined && !this.finished;
  }

  /** A stream is open (or the connection is ending): it no longer counts as pending. */
  get started(): boolean {
    return this.stream !== undefined || this.finishing !== undefined;
  }

  private async message(data: RawData, isBinary: boolean): Promise<void> {
    if (this.finishing) return;
    // Until the stream starts, only the start deadline runs: other messages do not extend it.
    if (this.stream) this.arm(this.server.options.idleTimeoutMs, 'idle');
    try {
      if (this.kind === 'twilio') return await this.twilio(data, isBinary);
      if (this.kind === 'l16') return await this.l16(data, isBinary);
      if (this.kind === 'webrtc') return await this.webrtc(data, isBinary);
      if (isBinary) {
        if (!this.stream) throw new ProtocolError('AUDIO_BEFORE_START', 'binary audio arrived before the start message', CLOSE.PROTOCOL_ERROR);
        return await this.stream.push(toBytes(data));
      }
      const message = parseClientMessage(data.toString());
      if (message.type === 'start') await this.start(message.format, message.streamId);
      else await this.finish(CLOSE.NORMAL, 'stopped');
    } catch (err) {
      this.reject(err);
    }
  }

  private async twilio(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) throw new ProtocolError('UNEXPECTED_BINARY', 'Twilio Media Streams send JSON text messages only', CLOSE.UNSUPPORTED_DATA);
    const message = parseTwilioMessage(data.toString());
    if (message.event === 'start') await this.start({ sampleRate: 8000, encoding: 'mulaw', channels: 1 }, message.streamSid);
    else if (message.event === 'media') {
      if (!this.stream) throw new ProtocolError('AUDIO_BEFORE_START', 'a media message arrived before start', CLOSE.PROTOCOL_ERROR);
      await this.stream.push(message.audio);
    } else if (message.event === 'stop') await this.finish(CLOSE.NORMAL, 'stopped');
  }

  private async l16(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      if (!this.stream) throw new ProtocolError('AUDIO_BEFORE_START', 'audio arrived before the first (metadata) text message', CLOSE.PROTOCOL_ERROR);
      return this.stream.push(toBytes(data));
    }
    if (this.stream || this.starting) return; // DTMF and other notifications
    const { sampleRate, streamId } = parseL16Start(data.toString());
    await this.start({ sampleRate, encoding: 'pcm_s16le', channels: 1 }, streamId);
  }

  private peer?: WebRtcPeer;
  private peerStreamId?: string;

  private async webrtc(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) throw new ProtocolError('UNEXPECTED_BINARY', 'WebRTC signalling is JSON text; audio travels over the peer connection', CLOSE.UNSUPPORTED_DATA);
    const message = parseWebRtcMessage(data.toString());
    if (message.type === 'stop') return this.finish(CLOSE.NORMAL, 'stopped');
    if (message.type === 'candidate') {
      if (!this.peer) throw new ProtocolError('CANDIDATE_BEFORE_OFFER', 'an ICE candidate arrived before the offer', CLOSE.PROTOCOL_ERROR);
      return this.peer.addCandidate(message.candidate);
    }
    if (this.peer) throw new ProtocolError('ALREADY_STARTED', 'the call already has an offer', CLOSE.PROTOCOL_ERROR);
    this.peerStreamId = message.streamId;
    // node-webrtc is loaded on the first WebRTC call only: its native threads outlive their peer connections and
    // can crash the process at exit, which servers that never take WebRTC calls need not risk.
    const { WebRtcPeer } = await import('./webrtcPeer.js');
    this.peer = new WebRtcPeer({
      // Audio frames join the message chain, so the stream opens (on the first frame) before any push.
      onAudio: (audio) => (this.chain = this.chain.then(() => this.webrtcAudio(audio))),
      onClosed: () => this.finishAfterQueued(CLOSE.NORMAL, 'peer connection closed'),
    });
    this.send({ type: 'answer', sdp: await this.peer.answer(message.sdp) });
  }

  private async webrtcAudio(samples: Float32Array): Promise<void> {
    if (this.finishing) return;
    this.arm(this.server.options.idleTimeoutMs, 'idle');
    try {
      if (!this.stream) await this.start({ sampleRate: this.peer!.sampleRate, channels: 1 }, this.peerStreamId);
      await this.stream!.push(samples);
    } catch (err) {
      this.reject(err);
    }
  }

  private async start(format: StreamFormat, id?: string): Promise<void> {
    if (this.stream || this.starting) throw new ProtocolError('ALREADY_STARTED', 'the stream has already started', CLOSE.PROTOCOL_ERROR);
    this.starting = true;
    clearTimeout(this.timer); // the start has arrived: opening the stream may take a while on a busy server
    const stream = await this.server.openStream(format, id);
    if (!stream) throw new ProtocolError('TOO_MANY_STREAMS', `the server is at its limit of ${this.server.options.maxStreams} streams`, CLOSE.TRY_AGAIN_LATER);
    if (this.finishing) return void (await stream.close()); // the connection ended while the stream opened
    this.stream = stream;
    this.arm(this.server.options.idleTimeoutMs, 'idle');
    if (this.kind !== 'twilio' && this.kind !== 'l16') {
      this.send({ type: 'started', streamId: stream.id });
      stream.on('*', (event) => this.send(event));
    }
  }

  /** Sends an event, unless the client has stopped reading: interim results are skipped past half the limit, and a
   *  client over the limit is closed (its stream is still finished, and its events still reach server listeners). */
  private send(event: PluginEvent | { type: string; [k: string]: unknown }): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const buffered = this.ws.bufferedAmount;
    const limit = this.server.options.maxBufferedBytes;
    if (buffered > limit) return void this.finish(CLOSE.POLICY_VIOLATION, 'client is not reading its events');
    if (buffered > limit / 2 && event.type === 'emotion' && !(event as { final?: boolean }).final) return;
    const text = JSON.stringify(event);
    this.ws.send(text);
    this.peer?.send(text);
  }

  /** A bad message: an error event to the client (native protocol) and to the server's listeners, and a close with
   *  a meaningful code where the stream cannot go on. */
  private reject(err: unknown): void {
    const e = err instanceof ProtocolError ? err : new ProtocolError('INTERNAL', String((err as Error)?.message ?? err), CLOSE.POLICY_VIOLATION);
    const event: PluginEvent = { version: EVENT_VERSION, streamId: this.stream?.id ?? '', type: 'error', code: e.code, message: e.message, fatal: e.closeCode !== undefined };
    if (this.kind !== 'twilio' && this.kind !== 'l16') this.send(event);
    this.server.emit('event', event);
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
      await this.stream?.close();
      if (this.kind !== 'twilio' && this.kind !== 'l16' && this.stream) this.send({ type: 'stopped', streamId: this.stream.id });
      this.peer?.close();
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason.slice(0, 120));
      this.finished = true;
    })();
    return this.finishing;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
