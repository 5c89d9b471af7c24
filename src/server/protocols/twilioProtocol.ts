import { CLOSE } from '../closeCodes.js';
import { ProtocolError, parseTwilioMessage } from '../messages.js';
import type { ProtocolFactory } from './protocol.js';

const ROLES = { inbound: 'caller', outbound: 'agent' } as const;

/**
 * Twilio Media Streams on /twilio: JSON `start`, base64 8 kHz mu-law `media`, `stop`. A stream started with both
 * tracks is two streams, the caller (`inbound`, id `<streamSid>:caller`) and the agent (`outbound`,
 * `<streamSid>:agent`); otherwise the caller's track is the stream, with the streamSid as its id. Twilio reads
 * nothing back, so events go to the server's listeners.
 */
export const twilioProtocol: ProtocolFactory = (connection) => {
  let bothTracks = false;
  return {
    repliesOnSocket: false,
    async message(data, isBinary) {
      if (isBinary) throw new ProtocolError('UNEXPECTED_BINARY', 'Twilio Media Streams send JSON text messages only', CLOSE.UNSUPPORTED_DATA);
      const message = parseTwilioMessage(data.toString());
      if (message.event === 'start') {
        bothTracks = message.bothTracks;
        await connection.start({ sampleRate: 8000, encoding: 'mulaw', channels: 1 }, message.streamSid, bothTracks ? Object.values(ROLES) : undefined);
      } else if (message.event === 'media') {
        if (bothTracks) await connection.push(message.audio, 'a media message arrived before start', ROLES[message.track]);
        else if (message.track === 'inbound') await connection.push(message.audio, 'a media message arrived before start');
      } else if (message.event === 'stop') await connection.stop();
    },
  };
};
