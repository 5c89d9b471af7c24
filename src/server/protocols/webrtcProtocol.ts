import { CLOSE } from '../closeCodes.js';
import { ProtocolError, parseWebRtcMessage } from '../messages.js';
import type { WebRtcPeer } from '../webrtcPeer.js';
import type { ProtocolFactory } from './protocol.js';

/**
 * WebRTC signalling on /webrtc: an SDP offer (ICE gathered, or trickled as `candidate` messages) is answered, and the
 * peer's audio track is the stream, opened on its first frame of real audio. Events go back on the socket and on the
 * client's data channel.
 */
export const webrtcProtocol: ProtocolFactory = (connection) => {
  let peer: WebRtcPeer | undefined;
  return {
    repliesOnSocket: true,
    async message(data, isBinary) {
      if (isBinary) throw new ProtocolError('UNEXPECTED_BINARY', 'WebRTC signalling is JSON text; audio travels over the peer connection', CLOSE.UNSUPPORTED_DATA);
      const message = parseWebRtcMessage(data.toString());
      if (message.type === 'stop') return connection.stop();
      if (message.type === 'candidate') {
        if (!peer) throw new ProtocolError('CANDIDATE_BEFORE_OFFER', 'an ICE candidate arrived before the offer', CLOSE.PROTOCOL_ERROR);
        return peer.addCandidate(message.candidate);
      }
      if (peer) throw new ProtocolError('ALREADY_STARTED', 'the call already has an offer', CLOSE.PROTOCOL_ERROR);
      // node-webrtc is loaded on the first WebRTC call only: its native threads outlive their peer connections and
      // can crash the process at exit, which servers that never take WebRTC calls need not risk.
      const { WebRtcPeer } = await import('../webrtcPeer.js');
      const created = new WebRtcPeer({
        // Audio frames join the message order, so the stream opens (on the first frame) before any push.
        onAudio: (audio) =>
          connection.enqueue(async () => {
            if (!connection.opened) await connection.start({ sampleRate: created.sampleRate, channels: 1 }, message.streamId);
            await connection.push(audio, '');
          }),
        onClosed: () => connection.finishAfterQueued(CLOSE.NORMAL, 'peer connection closed'),
      });
      peer = created;
      connection.send({ type: 'answer', sdp: await created.answer(message.sdp) });
    },
    alsoSend: (text) => peer?.send(text),
    close: () => peer?.close(),
  };
};
