import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { EmotionPlugin } from '../plugin/emotionPlugin.js';
import type { EmotionStream, StreamFormat, StreamOptions } from '../plugin/emotionStream.js';
import type { PluginEvent } from '../plugin/events.js';
import { CLOSE } from './closeCodes.js';
import { Connection } from './connection.js';
import { ProtocolError } from './messages.js';
import { ENDPOINTS } from './protocols/index.js';
import { ServerMetrics } from './serverMetrics.js';

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
  /** Answers plain HTTP requests other than the probes and /metrics (a page that uses the server, say); by default
   *  they get 426 Upgrade Required. */
  onRequest?: (request: IncomingMessage, response: ServerResponse) => void;
  /** Who may read GET /metrics: 'loopback-or-token' (default: requests from this machine, or with the token when one
   *  is set) or 'open'. */
  metricsAccess?: 'loopback-or-token' | 'open';
  /** Structured logs (pino): a line per stream start and end and per error, with stream id and protocol. Default:
   *  none. */
  logger?: Logger;
}

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
  readonly options: Required<Omit<ServerOptions, 'authToken' | 'stream' | 'onRequest'>> & Pick<ServerOptions, 'authToken' | 'stream' | 'onRequest'>;
  readonly metrics: ServerMetrics;

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
      metricsAccess: 'loopback-or-token',
      logger: pino({ level: 'silent' }),
      ...options,
    };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayload });
    this.metrics = new ServerMetrics({ plugin: this.options.plugin, connectionsByProtocol: () => this.connectionsByProtocol() });
    this.on('event', (event) => this.metrics.observe(event));
    http.on('request', (request, response) => void this.request(request, response));
    http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  static async listen(options: ServerOptions): Promise<EmotionServer> {
    const server = new EmotionServer(createHttpServer(), options);
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
    return [...this.active].reduce((n, c) => n + c.openStreams, 0);
  }

  private connectionsByProtocol(): Map<string, { connections: number; streams: number }> {
    const counts = new Map(Object.keys(ENDPOINTS).map((path) => [path.slice(1), { connections: 0, streams: 0 }]));
    for (const c of this.active) {
      const count = counts.get(c.protocolName)!;
      count.connections++;
      count.streams += c.openStreams;
    }
    return counts;
  }

  /**
   * Plain HTTP: GET /healthz (the process answers), GET /readyz (the model and VAD are loaded, the server is not
   * shutting down and the inference queue has room; 503 otherwise), GET /metrics (Prometheus text format, see
   * metricsAccess); anything else goes to onRequest, or gets 426.
   */
  private async request(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => void response.writeHead(status, { 'content-type': type }).end(body);
    if (request.method === 'GET' && url.pathname === '/healthz') return text(200, 'ok\n');
    if (request.method === 'GET' && url.pathname === '/readyz') {
      const queue = this.options.plugin.inferenceQueue;
      const problem = this.closing ? 'shutting down' : !this.options.plugin.ready ? 'the plugin is closed' : queue.pending >= queue.limit ? 'the inference queue is full' : '';
      return text(problem ? 503 : 200, problem ? `not ready: ${problem}\n` : 'ready\n');
    }
    if (request.method === 'GET' && url.pathname === '/metrics') {
      if (!this.metricsAllowed(request, url)) return text(403, 'metrics: loopback or token only\n');
      return text(200, await this.metrics.registry.metrics(), this.metrics.registry.contentType);
    }
    if (this.options.onRequest) return this.options.onRequest(request, response);
    text(426, `WebSocket only: ${Object.keys(ENDPOINTS).join(', ')}\n`);
  }

  private metricsAllowed(request: IncomingMessage, url: URL): boolean {
    if (this.options.metricsAccess === 'open') return true;
    if (this.options.authToken !== undefined) return tokenMatches(this.options.authToken, request, url);
    return isLoopback(request.socket.remoteAddress ?? '');
  }

  /** Stops accepting, finishes every stream (utterances in flight are scored and sent), then closes the sockets. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      await Promise.all([...this.active].map((c) => c.finish(CLOSE.GOING_AWAY, 'server shutting down')));
      this.http.closeAllConnections();
      await stopped;
      this.metrics.close();
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
    const protocol = Object.hasOwn(ENDPOINTS, url.pathname) ? ENDPOINTS[url.pathname] : undefined;
    if (!protocol) return refuse(404, 'Not Found');
    const remote = request.socket.remoteAddress ?? '';
    const pending = [...this.active].filter((c) => !c.started);
    if (pending.length >= this.options.maxPending) return refuse(503, 'Service Unavailable');
    if (pending.filter((c) => c.remote === remote).length >= this.options.maxPendingPerAddress) return refuse(429, 'Too Many Requests');
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new Connection(this, ws, url.pathname.slice(1), protocol, remote);
      this.active.add(connection);
      ws.on('close', () => this.active.delete(connection));
    });
  }

  /** Ids of the streams open now: a second connection may not take a live call's id (its events would pass for the
   *  other call's). */
  private readonly liveIds = new Set<string>();

  /** Streams opened through this server and not ended, counted from the moment their opening begins: starts that
   *  arrive together cannot all pass the limit before any of them is open. */
  private held = 0;

  /** For connections: opens a stream if the server-wide limit allows. */
  async openStream(format: StreamFormat, id?: string, role?: string): Promise<EmotionStream | undefined> {
    if (this.held >= this.options.maxStreams) return undefined;
    if (id !== undefined && this.liveIds.has(id)) {
      throw new ProtocolError('DUPLICATE_STREAM_ID', `stream id ${JSON.stringify(id)} belongs to a stream that is still open`, CLOSE.POLICY_VIOLATION);
    }
    if (id !== undefined) this.liveIds.add(id);
    let stream: EmotionStream;
    this.held++;
    try {
      stream = await this.options.plugin.openStream(format, { ...this.options.stream, ...(id ? { id } : {}), ...(role ? { role } : {}) });
    } catch (err) {
      this.held--;
      if (id !== undefined) this.liveIds.delete(id);
      throw err;
    }
    this.liveIds.add(stream.id);
    stream.on('*', (e) => this.emit('event', e));
    stream.events.subscribe({
      complete: () => {
        this.held--;
        this.liveIds.delete(stream.id);
        this.emit('closed', stream.id);
      },
    });
    this.emit('connection', stream.id);
    return stream;
  }
}

const REFUSED_LINGER_MS = 1000;

/** A host name or address of this machine only: localhost, ::1, 127.x.x.x, or 127.x.x.x mapped into IPv6. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** `?token=` or `Authorization: Bearer <token>` (the scheme is required), compared in constant time (as digests, so
 *  that the lengths need not match either). */
function tokenMatches(token: string, request: IncomingMessage, url: URL): boolean {
  const header = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const given = url.searchParams.get('token') ?? header;
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}
