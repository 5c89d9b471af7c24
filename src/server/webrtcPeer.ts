import wrtc from '@roamhq/wrtc';
import { mixDown } from '../stream/audioFormat.js';
import { StreamingResampler } from '../stream/resampler.js';
import type { IceCandidateInit } from './messages.js';

/** The rate of the audio handed on: WebRTC's own (Opus decodes to 48 kHz). */
const WEBRTC_RATE = 48000;

export interface WebRtcPeerHandlers {
  /** Received audio, mono at the peer's sampleRate (48 kHz), in order. */
  onAudio: (samples: Float32Array) => void;
  /** The connection failed or was closed by the remote side. */
  onClosed: () => void;
}

/**
 * The server's side of a WebRTC call: answers the client's offer, receives its audio track through the nonstandard
 * RTCAudioSink of node-webrtc (@roamhq/wrtc, the maintained fork), and sends events back on the data channel the
 * client opens. Signalling (the offer, the answer, ICE candidates) travels over the WebSocket server.
 */
export class WebRtcPeer {
  readonly sampleRate = WEBRTC_RATE;
  private readonly pc = new wrtc.RTCPeerConnection();
  private sink?: { stop(): void };
  private channel?: { readyState: string; send(data: string): void };
  private closed = false;
  /** Audio is handed on from the first frame that carries sound once the peer connection is up (ICE and DTLS done):
   *  before that, the sink's frames are silence it makes up itself, which must not open a stream. */
  private live = false;
  /** The sink delivers 10 ms frames, at first at the decoder's start-up rate (16 kHz) for a few frames, then at
   *  48 kHz; frames at another rate are resampled, in order, through one resampler per rate. */
  private readonly resamplers = new Map<number, Promise<StreamingResampler>>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly handlers: WebRtcPeerHandlers) {
    this.pc.ontrack = (event: { track: { kind: string } }) => {
      if (event.track.kind !== 'audio' || this.sink) return;
      const sink = new wrtc.nonstandard.RTCAudioSink(event.track as never);
      sink.ondata = (data: { samples: Int16Array; sampleRate: number; channelCount?: number }) => {
        if (!this.live && (this.pc.connectionState !== 'connected' || data.samples.every((v) => v === 0))) return;
        this.live = true;
        this.chain = this.chain.then(() => this.convert(data.samples, data.sampleRate, data.channelCount ?? 1));
      };
      this.sink = sink;
    };
    this.pc.ondatachannel = (event: { channel: { readyState: string; send(data: string): void } }) => (this.channel = event.channel);
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed' || this.pc.connectionState === 'closed') this.close();
    };
  }

  private async convert(samples: Int16Array, rate: number, channels: number): Promise<void> {
    const mono = mixDown(Float32Array.from(samples, (v) => v / 32768), channels);
    if (rate === WEBRTC_RATE) return this.handlers.onAudio(mono);
    let resampler = this.resamplers.get(rate);
    if (!resampler) this.resamplers.set(rate, (resampler = StreamingResampler.create(rate, 'fastest', WEBRTC_RATE)));
    this.handlers.onAudio((await resampler).push(mono));
  }

  /** Answers an SDP offer; the answer is returned once ICE gathering is complete (no trickle needed on loopback). */
  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        const check = () => this.pc.iceGatheringState === 'complete' && resolve();
        this.pc.onicegatheringstatechange = check;
        this.pc.onicecandidate = (e: { candidate: unknown }) => e.candidate === null && resolve();
        check();
      });
    }
    return this.pc.localDescription!.sdp;
  }

  /** A trickled ICE candidate from the client. */
  async addCandidate(candidate: IceCandidateInit): Promise<void> {
    await this.pc.addIceCandidate(candidate);
  }

  /** Sends a JSON text on the client's data channel, if it is open. */
  send(text: string): void {
    if (this.channel?.readyState === 'open') this.channel.send(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink?.stop();
    this.pc.close();
    for (const r of this.resamplers.values()) void r.then((x) => x.destroy());
    this.handlers.onClosed();
  }
}
