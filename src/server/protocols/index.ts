import { l16Protocol } from './l16Protocol.js';
import { nativeProtocol } from './nativeProtocol.js';
import type { ProtocolFactory } from './protocol.js';
import { twilioProtocol } from './twilioProtocol.js';
import { webrtcProtocol } from './webrtcProtocol.js';

/** The WebSocket paths the server answers, and the protocol each speaks. */
export const ENDPOINTS: Readonly<Record<string, ProtocolFactory>> = Object.freeze({
  '/stream': nativeProtocol,
  '/twilio': twilioProtocol,
  '/vonage': l16Protocol,
  '/jambonz': l16Protocol,
  '/webrtc': webrtcProtocol,
});
