import type { StreamFormat } from '../plugin/emotionStream.js';
import { checkChannels, checkSampleRate } from '../stream/audioFormat.js';
import { CodedError } from '../stream/errors.js';
import { checkEncoding } from '../stream/pcmDecoder.js';
import { CLOSE } from './closeCodes.js';

/** A message the server cannot take. With a closeCode the connection cannot go on and is closed with it. */
export class ProtocolError extends CodedError<string> {
  constructor(
    code: string,
    message: string,
    readonly closeCode?: number,
  ) {
    super(code, message);
  }
}

export type ClientMessage = { type: 'start'; format: Required<StreamFormat>; streamId?: string; roles?: string[] } | { type: 'stop' };

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('BAD_JSON', `not valid JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError('BAD_MESSAGE', 'a message must be a JSON object');
  return value as Record<string, unknown>;
}

/** The project's protocol: {"type":"start","sampleRate":16000,"encoding":"pcm_s16le","channels":1,"streamId":"..."}, then
 *  binary audio frames, then {"type":"stop"}. With "roles" (one name per channel, e.g. ["caller","agent"]), each
 *  channel of the interleaved audio is a stream of its own. */
export function parseClientMessage(text: string): ClientMessage {
  const m = parseJson(text);
  if (m.type === 'stop') return { type: 'stop' };
  if (m.type !== 'start') throw new ProtocolError('UNKNOWN_MESSAGE', `unknown message type ${JSON.stringify(m.type)}: expected start or stop`);
  for (const key of ['sampleRate', 'channels'] as const) {
    if (m[key] !== undefined && typeof m[key] !== 'number') {
      throw new ProtocolError('BAD_START', `${key} must be a JSON number, not ${JSON.stringify(m[key]).slice(0, 40)}`, CLOSE.POLICY_VIOLATION);
    }
  }
  try {
    const format = {
      sampleRate: checkSampleRate(m.sampleRate as number),
      encoding: checkEncoding(m.encoding ?? 'pcm_s16le'),
      channels: checkChannels((m.channels ?? 1) as number),
    };
    if (m.streamId !== undefined && (typeof m.streamId !== 'string' || m.streamId.length === 0 || m.streamId.length > 128)) {
      throw new ProtocolError('BAD_START', 'streamId must be a string of 1 to 128 characters', CLOSE.POLICY_VIOLATION);
    }
    const roles = m.roles === undefined ? undefined : parseRoles(m.roles, format.channels);
    return { type: 'start', format, streamId: m.streamId as string | undefined, ...(roles ? { roles } : {}) };
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('BAD_START', (err as Error).message, CLOSE.POLICY_VIOLATION);
  }
}

/** Names for the channels of a multi-channel start: one per channel, distinct, 1 to 32 word characters each. */
function parseRoles(value: unknown, channels: number): string[] {
  const ok = Array.isArray(value) && value.length === channels && value.every((r) => typeof r === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(r));
  if (!ok || new Set(value).size !== value.length) {
    throw new ProtocolError('BAD_START', `roles must name each of the ${channels} channels once (1 to 32 letters, digits, - or _), not ${JSON.stringify(value).slice(0, 60)}`, CLOSE.POLICY_VIOLATION);
  }
  return value as string[];
}

export type TwilioMessage =
  | { event: 'start'; streamSid: string; bothTracks: boolean }
  | { event: 'media'; audio: Uint8Array; track: 'inbound' | 'outbound' }
  | { event: 'stop' }
  | { event: 'ignored' };

/**
 * Twilio Media Streams (https://www.twilio.com/docs/voice/media-streams/websocket-messages): `connected`, `start`
 * (streamSid, tracks, mediaFormat audio/x-mulaw 8000 Hz mono), `media` (base64 payload, its track `inbound`: the
 * caller, or `outbound`: the agent, sent when the stream asked for both_tracks), `stop`; `mark` and `dtmf` are
 * ignored.
 */
export function parseTwilioMessage(text: string): TwilioMessage {
  const m = parseJson(text);
  switch (m.event) {
    case 'connected':
    case 'mark':
    case 'dtmf':
      return { event: 'ignored' };
    case 'start': {
      const start = (m.start ?? {}) as { streamSid?: unknown; tracks?: unknown; mediaFormat?: { encoding?: unknown; sampleRate?: unknown; channels?: unknown } };
      const sid = m.streamSid ?? start.streamSid;
      if (typeof sid !== 'string' || sid.length === 0) throw new ProtocolError('BAD_START', 'start without a streamSid', CLOSE.POLICY_VIOLATION);
      if (sid.length > 128) throw new ProtocolError('BAD_START', 'streamSid must be a string of 1 to 128 characters', CLOSE.POLICY_VIOLATION);
      const f = start.mediaFormat ?? {};
      if (f.encoding !== 'audio/x-mulaw' || f.sampleRate !== 8000 || (f.channels ?? 1) !== 1) {
        throw new ProtocolError('BAD_START', `unsupported mediaFormat ${JSON.stringify(f)}: expected audio/x-mulaw, 8000 Hz, 1 channel`, CLOSE.POLICY_VIOLATION);
      }
      return { event: 'start', streamSid: sid, bothTracks: Array.isArray(start.tracks) && start.tracks.includes('outbound') };
    }
    case 'media': {
      const media = (m.media ?? {}) as { payload?: unknown; track?: unknown };
      const track = media.track ?? 'inbound';
      if (track !== 'inbound' && track !== 'outbound') return { event: 'ignored' };
      if (typeof media.payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(media.payload)) {
        throw new ProtocolError('BAD_MEDIA', 'media.payload must be base64 text');
      }
      return { event: 'media', audio: Buffer.from(media.payload, 'base64'), track };
    }
    case 'stop':
      return { event: 'stop' };
    default:
      throw new ProtocolError('UNKNOWN_MESSAGE', `unknown Twilio event ${JSON.stringify(m.event)}`);
  }
}

/**
 * Binary L16 telephony streams: Vonage Voice API WebSockets (a first text message
 * {"event":"websocket:connected","content-type":"audio/l16;rate=16000", ...headers}) and Jambonz `listen`
 * (a first text message of call metadata with "sampleRate"), then binary 16-bit little-endian linear PCM, mono.
 * Later text messages (DTMF, notifications) carry no audio and are ignored. The stream id is the call's own id
 * (callSid, uuid or call_uuid) when the first message has one.
 */
export function parseL16Start(text: string): { sampleRate: number; streamId?: string } {
  const m = parseJson(text);
  const contentType = m['content-type'];
  let rate: unknown = m.sampleRate;
  if (typeof contentType === 'string') {
    const match = /^audio\/l16;\s*rate=(\d+)$/i.exec(contentType.trim());
    if (!match) throw new ProtocolError('BAD_START', `unsupported content-type ${JSON.stringify(contentType)}: expected audio/l16;rate=N`, CLOSE.POLICY_VIOLATION);
    rate = Number(match[1]);
  }
  if (rate === undefined) throw new ProtocolError('BAD_START', 'the first message names no sample rate (content-type audio/l16;rate=N, or sampleRate)', CLOSE.POLICY_VIOLATION);
  let sampleRate: number;
  try {
    sampleRate = checkSampleRate(rate as number);
  } catch (err) {
    throw new ProtocolError('BAD_START', (err as Error).message, CLOSE.POLICY_VIOLATION);
  }
  const id = [m.callSid, m.uuid, m.call_uuid].find((v) => typeof v === 'string' && v.length > 0 && v.length <= 128) as string | undefined;
  return { sampleRate, streamId: id };
}

export interface IceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export type WebRtcMessage = { type: 'offer'; sdp: string; streamId?: string } | { type: 'candidate'; candidate: IceCandidateInit } | { type: 'stop' };

/** WebRTC signalling on /webrtc: {"type":"offer","sdp":"..."} (answered with {"type":"answer","sdp":"..."}), optional
 *  {"type":"candidate","candidate":{...}} messages, and {"type":"stop"}. */
export function parseWebRtcMessage(text: string): WebRtcMessage {
  const m = parseJson(text);
  if (m.type === 'stop') return { type: 'stop' };
  if (m.type === 'offer') {
    if (typeof m.sdp !== 'string' || !m.sdp.startsWith('v=0')) throw new ProtocolError('BAD_OFFER', 'offer.sdp must be an SDP text', CLOSE.POLICY_VIOLATION);
    if (m.streamId !== undefined && (typeof m.streamId !== 'string' || m.streamId.length === 0 || m.streamId.length > 128)) {
      throw new ProtocolError('BAD_OFFER', 'streamId must be a string of 1 to 128 characters', CLOSE.POLICY_VIOLATION);
    }
    return { type: 'offer', sdp: m.sdp, streamId: m.streamId as string | undefined };
  }
  if (m.type === 'candidate') {
    if (typeof m.candidate !== 'object' || m.candidate === null) throw new ProtocolError('BAD_CANDIDATE', 'candidate must be an RTCIceCandidateInit object');
    return { type: 'candidate', candidate: m.candidate as IceCandidateInit };
  }
  throw new ProtocolError('UNKNOWN_MESSAGE', `unknown message type ${JSON.stringify(m.type)}: expected offer, candidate or stop`);
}
