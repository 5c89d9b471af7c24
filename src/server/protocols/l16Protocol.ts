import { parseL16Start } from '../messages.js';
import { toBytes, type ProtocolFactory } from './protocol.js';

/** Vonage and jambonz on /vonage and /jambonz: a first text message of call metadata (its rate and id), then binary
 *  16-bit linear PCM. Later text messages (DTMF and other notifications) are ignored; events go to the server's
 *  listeners. */
export const l16Protocol: ProtocolFactory = (connection) => ({
  repliesOnSocket: false,
  async message(data, isBinary) {
    if (isBinary) return connection.push(toBytes(data), 'audio arrived before the first (metadata) text message');
    if (connection.opened) return;
    const { sampleRate, streamId } = parseL16Start(data.toString());
    await connection.start({ sampleRate, encoding: 'pcm_s16le', channels: 1 }, streamId);
  },
});
