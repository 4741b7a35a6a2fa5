/**
 * Connection state as a closed tagged union; handle it with an exhaustive `switch` on
 * `status`. The client emits `state` with the new value on every change.
 */

/** Why a connection ended. */
export type DisconnectReason =
  /** `close()` was called. */
  | { kind: "client" }
  /** The server closed the connection with a Herald or RFC 6455 close code. */
  | { kind: "server"; code: number; message: string }
  /** The socket failed or dropped without a close code from the server (e.g. 1006), or could not connect. */
  | { kind: "network"; code: number }
  /** The server did not answer in time: the connection (`connectTimeoutMs`), a `ping` (`pongTimeoutMs`), the `auth` or a `subscribe`. */
  | { kind: "timeout"; what: "connect" | "pong" | "auth" | "subscribe" }
  /** The token callback failed, or a static token expired and cannot be refreshed. */
  | { kind: "token"; message: string };

export type ConnectionState =
  /** Opening a socket (attempt 0 is the first try after `connect()` or after a connection was up). */
  | { status: "connecting"; attempt: number }
  /** Authenticated and subscribed; `user` is absent for anonymous connections. */
  | { status: "connected"; client: string; user: string | undefined; epoch: string }
  /** Lost; a reconnect is scheduled in `retryInMs`. */
  | { status: "disconnected"; reason: DisconnectReason; attempt: number; retryInMs: number }
  /** Not connected and not trying: before `connect()`, after `close()`, or after a terminal close code. */
  | { status: "closed"; reason: DisconnectReason | { kind: "idle" } };

export type ConnectionStatus = ConnectionState["status"];

/** A short human-readable description of a state (logs, UIs). */
export function describeState(state: ConnectionState): string {
  switch (state.status) {
    case "connecting":
      return state.attempt === 0 ? "connecting" : `connecting (attempt ${state.attempt + 1})`;
    case "connected":
      return state.user === undefined ? "connected" : `connected as ${state.user}`;
    case "disconnected":
      return `disconnected (${describeReason(state.reason)}), retrying in ${state.retryInMs} ms`;
    case "closed":
      return state.reason.kind === "idle" ? "closed" : `closed (${describeReason(state.reason)})`;
    default: {
      const never: never = state;
      return String(never);
    }
  }
}

export function describeReason(reason: DisconnectReason): string {
  switch (reason.kind) {
    case "client":
      return "closed by the client";
    case "server":
      return `server closed with ${reason.code}${reason.message ? `: ${reason.message}` : ""}`;
    case "network":
      return `network error (${reason.code})`;
    case "timeout":
      return `no answer to ${reason.what} in time`;
    case "token":
      return `token: ${reason.message}`;
    default: {
      const never: never = reason;
      return String(never);
    }
  }
}
