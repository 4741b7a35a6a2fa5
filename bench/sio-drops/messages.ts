/** IPC messages and shared names of the Socket.IO repeated-drop bench (`bench/sio-drops/run.ts`). */

/** JWT secret of the bench's tokens (Herald checks them; the Socket.IO baseline trusts `auth.user`). */
export const SECRET = "sio-drops-bench-secret-0123456789abcdef";
/** The room (Herald topic) every client joins. */
export const ROOM = "room.bench";

/** What was published: the room's last number and each user's last notification number. */
export interface Published {
  room: number;
  users: Record<string, number>;
}

export type ServerMessage =
  | { type: "listening"; port: number }
  | { type: "done"; published: Published; cpuUs: number; cuts: number };

export type ServerCommand = { cmd: "run"; users: string[]; rate: number; cutMs: number; seconds: number };

export interface ClientTally {
  clients: number;
  /** Events expected (every event published to a stream the client had joined). */
  expected: number;
  delivered: number;
  /** Events skipped for good: a later event of the same stream arrived first and they never did. */
  lost: number;
  /** Events not arrived when the drain deadline passed (the client still behind or reconnecting). */
  missing: number;
  /** Clients with events still missing at the deadline (a client merely reconnecting with nothing missing is not behind). */
  behind: number;
  duplicated: number;
  /** Reconnects, and how many of them came back with `socket.recovered === true`. */
  reconnects: number;
  recovered: number;
  /** Clients not connected at the deadline. */
  disconnected: number;
  /** Why resumes were refused (Herald's `resync` event), by reason. */
  refusals: Record<string, number>;
}

export type WorkerMessage = { type: "ready" } | { type: "tally"; tally: ClientTally };

export type WorkerCommand =
  | { cmd: "connect"; url: string; clients: Array<{ user: string; token: string }>; transports?: string[] }
  | { cmd: "drain"; published: Published; timeoutMs: number };
