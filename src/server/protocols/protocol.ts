import type { RawData } from 'ws';
import type { AudioInput, StreamFormat } from '../../plugin/emotionStream.js';

/**
 * What a protocol adapter may do with its connection. The connection keeps the policy every protocol shares: messages
 * handled in order, backpressure, the start and idle deadlines, the server's limits, and how errors close it.
 */
export interface ConnectionControl {
  /** Opens the connection's stream, or one mono stream per role (`caller`, `agent`: ids `<id>:<role>`, every event
   *  carrying its role); a second start is a protocol error. */
  start(format: StreamFormat, id?: string, roles?: readonly string[]): Promise<void>;
  /** A stream has been opened or is opening. */
  readonly opened: boolean;
  /** Pushes audio to the stream (of `role`, where the call has several); before the stream opens that is a protocol
   *  error, `early` saying what arrived. */
  push(audio: AudioInput, early: string, role?: string): Promise<void>;
  /** Ends the stream (its last utterance is scored first) and closes the socket normally. */
  stop(reason?: string): Promise<void>;
  /** Sends a JSON message on the socket. */
  send(message: object): void;
  /** Runs work that does not come from the socket (a WebRTC peer's audio) in the connection's message order. */
  enqueue(task: () => Promise<void>): void;
  /** Ends the connection once the messages queued so far are handled. */
  finishAfterQueued(code: number, reason: string): void;
}

/** One ingress protocol on one connection: its messages turned into stream operations. */
export interface ProtocolAdapter {
  message(data: RawData, isBinary: boolean): Promise<void>;
  /** Events (and `started`, `stopped`, errors) go back on the socket as JSON; otherwise to the server's listeners
   *  only (Twilio and the L16 gateways accept no messages of ours). */
  readonly repliesOnSocket: boolean;
  /** Another channel every reply also goes on (a WebRTC data channel). */
  alsoSend?(text: string): void;
  /** The connection has finished: release what the protocol holds (a peer connection). */
  close?(): void;
}

export type ProtocolFactory = (connection: ConnectionControl) => ProtocolAdapter;

export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
