import { parseClientMessage } from '../messages.js';
import { toBytes, type ProtocolFactory } from './protocol.js';

/** The project's protocol on /stream: JSON `start`, binary audio frames, JSON `stop`; every event comes back as JSON. */
export const nativeProtocol: ProtocolFactory = (connection) => ({
  repliesOnSocket: true,
  async message(data, isBinary) {
    if (isBinary) return connection.push(toBytes(data), 'binary audio arrived before the start message');
    const message = parseClientMessage(data.toString());
    if (message.type === 'start') await connection.start(message.format, message.streamId);
    else await connection.stop();
  },
});
