import { CLOSE } from '../closeCodes.js';
import { ProtocolError, parseTwilioMessage } from '../messages.js';
import type { ProtocolFactory } from './protocol.js';

/** Twilio Media Streams on /twilio: JSON `start`, base64 8 kHz mu-law `media`, `stop`. Twilio reads nothing back, so
 *  events go to the server's listeners. */
export const twilioProtocol: ProtocolFactory = (connection) => ({
  repliesOnSocket: false,
  async message(data, isBinary) {
    if (isBinary) throw new ProtocolError('UNEXPECTED_BINARY', 'Twilio Media Streams send JSON text messages only', CLOSE.UNSUPPORTED_DATA);
    const message = parseTwilioMessage(data.toString());
    if (message.event === 'start') await connection.start({ sampleRate: 8000, encoding: 'mulaw', channels: 1 }, message.streamSid);
    else if (message.event === 'media') await connection.push(message.audio, 'a media message arrived before start');
    else if (message.event === 'stop') await connection.stop();
  },
});
