/**
 * The messages the bench processes exchange over Node IPC (coordinator ⇄ server process,
 * coordinator ⇄ client worker), and the payload every benchmark event carries.
 */

/**
 * Which server a run targets: Herald itself, Herald with the `bench` namespace durable (SQLite
 * store), or one of the three baselines.
 */
export type ServerKind = "herald" | "herald-durable" | "herald-deflate" | "ws-raw" | "ws-cork" | "socketio";

/** Herald and the three baselines: what a scenario runs on unless it says otherwise. */
export const SERVER_KINDS: readonly ServerKind[] = ["herald", "ws-raw", "ws-cork", "socketio"];

/** Whether `kind` is Herald (native protocol at `/ws`, greets with `welcome`). */
export function isHerald(kind: ServerKind): boolean {
  return kind === "herald" || kind === "herald-durable" || kind === "herald-deflate";
}

/** Coordinator → server process. */
export type ServerCommand = { cmd: "stats"; gc: boolean } | { cmd: "stop" };

/** Server process → coordinator. */
export type ServerReport =
  | { type: "listening"; port: number }
  | { type: "stats"; cpuUserUs: number; cpuSystemUs: number; rss: number; heapUsed: number };

/** What one client connection subscribes to. */
export interface Subscription {
  /** Topic (or pattern, for Herald) name sent in the subscribe request. */
  name: string;
  /** The topic indices (`k` in the payload) this subscription receives. */
  keys: number[];
}

export interface WorkerSetup {
  kind: ServerKind;
  /** ws:// or http:// base URL of the server. */
  url: string;
  /** Global index of this worker's first connection (source addresses rotate by it). */
  first: number;
  count: number;
  /** Subscriptions of connection `first + i`, by `i`; a function's result, sent as data. */
  subscriptions: Subscription[][];
  /** Loopback source addresses to spread connections over ([] = the OS default). */
  localAddresses: string[];
  /** Connections opening at once. */
  concurrency: number;
}

/** Coordinator → client worker. */
export type WorkerCommand =
  | { cmd: "connect"; setup: WorkerSetup }
  /** Zeroes the counters; deliveries up to `windowEnd` (ms since the epoch) count as in the window. */
  | { cmd: "reset"; windowEnd: number }
  | { cmd: "snapshot" }
  | { cmd: "final"; lastPublished: Record<number, number> }
  | { cmd: "close" };

export interface WorkerCounts {
  delivered: number;
  lost: number;
  /** Not arrived when the step ended, on connections still open (behind, not lost). */
  queued: number;
  duplicated: number;
  reordered: number;
  /** Connections the server closed during the run. */
  closed: number;
  /** Delivered by the end of the publishing window. */
  inWindow: number;
}

/** Client worker → coordinator. */
export type WorkerReport =
  | { type: "ready" }
  | { type: "connected"; ms: number; failed: number; firstError?: string }
  | { type: "snapshot"; counts: WorkerCounts }
  | { type: "final"; counts: WorkerCounts; histogram: string }
  | { type: "closed" };

/** Topic name of payload key `k`. */
export function topicName(k: number): string {
  return `bench.t${k}`;
}

/**
 * The event payload: topic key, sequence number, send time (ms since the epoch, fractional),
 * padding to the requested size. Fixed field order so clients can read it without JSON.parse.
 */
export function payload(k: number, n: number, t: number, pad: string): { k: number; n: number; t: number; p: string } {
  return { k, n, t, p: pad };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
