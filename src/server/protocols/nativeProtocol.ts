import { parseClientMessage } from '../messages.js';
import { ChannelSplitter } from './channelSplitter.js';
import { toBytes, type ProtocolFactory } from './protocol.js';

/**
 * The project's protocol on /stream: JSON `start`, binary audio frames, JSON `stop`; every event comes back as JSON.
 * A start with `roles` (one per channel) makes each channel of the interleaved audio its own stream.
 */
export const nativeProtocol: ProtocolFactory = (connection) => {
  let split: { splitter: ChannelSplitter; roles: string[] } | undefined;
  return {
    repliesOnSocket: true,
    async message(data, isBinary) {
      const early = 'binary audio arrived before the start message';
      if (isBinary && !split) return connection.push(toBytes(data), early);
      if (isBinary) {
        const channels = split!.splitter.split(toBytes(data));
        await Promise.all(split!.roles.map((role, i) => connection.push(channels[i], early, role)));
        return;
      }
      const message = parseClientMessage(data.toString());
      if (message.type === 'stop') return connection.stop();
      if (!message.roles) return connection.start(message.format, message.streamId);
      const { format, roles } = message;
      await connection.start({ ...format, channels: 1 }, message.streamId, roles);
      split = { splitter: new ChannelSplitter(format.encoding, format.channels), roles };
    },
  };
};
