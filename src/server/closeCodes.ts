/** WebSocket close codes the server uses (RFC 6455 section 7.4 and the IANA registry). */
export const CLOSE = {
  /** The stream ended normally (after `stop`, or the server finished the stream). */
  NORMAL: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A message the protocol does not allow at this point (audio before `start`, a second `start`, ...). */
  PROTOCOL_ERROR: 1002,
  /** A binary frame where the protocol expects none, or the other way round. */
  UNSUPPORTED_DATA: 1003,
  /** Invalid values (bad sample rate or encoding), timeouts, a client that does not read its events. */
  POLICY_VIOLATION: 1008,
  /** A frame larger than maxPayload. */
  MESSAGE_TOO_BIG: 1009,
  /** Stream limits reached: try again later. */
  TRY_AGAIN_LATER: 1013,
} as const;
