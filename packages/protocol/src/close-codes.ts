/**
 * WebSocket close codes Herald uses, and whether a client should reconnect after each.
 *
 * Like Centrifugo, the private range is split: 4000–4499 mean "reconnect (with backoff)",
 * 4500–4999 mean "do not reconnect until something changes". Standard codes 1000–1015 keep
 * their RFC 6455 meaning; of those, a client reconnects after all but 1000 and 1008.
 */
export const CloseCode = {
  /** Normal close requested by the client or by the application. Terminal. */
  normal: 1000,
  /** Server shutting down or restarting. Reconnect. */
  goingAway: 1001,
  /** Policy violation (e.g. a WebSocket upgrade refused by origin). Terminal. */
  policy: 1008,
  /** A frame was larger than the configured limit. Reconnect. */
  messageTooBig: 1009,
  /** Unexpected server condition. Reconnect. */
  internalError: 1011,
  /** The client did not answer heartbeats in time. Reconnect. */
  noPong: 4001,
  /** The client read too slowly and its outbound buffer overflowed. Reconnect. */
  slowConsumer: 4002,
  /** The client kept exceeding its inbound frame rate. Reconnect after backoff. */
  rateLimited: 4003,
  /** The connection was idle (no frame from the client) longer than allowed. Reconnect. */
  idleTimeout: 4004,
  /** The token expired and no `refresh` arrived in time. Reconnect with a fresh token. */
  tokenExpired: 4005,
  /** The node is at its connection limit. Reconnect after backoff (maybe to another node). */
  tooManyConnections: 4007,
  /** The broker or store is unavailable. Reconnect after backoff. */
  unavailable: 4008,
  /** The token is missing, malformed or invalid. Terminal. */
  unauthorized: 4500,
  /** No `auth` frame arrived within the auth timeout. Terminal. */
  authTimeout: 4501,
  /** The user was disconnected by an administrator. Terminal. */
  disconnected: 4503,
  /** The origin of the upgrade is not allowed. Terminal. */
  forbiddenOrigin: 4504,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

/** Whether a client should reconnect after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  if (code === CloseCode.normal || code === CloseCode.policy) return false;
  if (code >= 4500 && code <= 4999) return false;
  return true;
}
