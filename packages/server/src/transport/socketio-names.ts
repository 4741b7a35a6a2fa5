/**
 * Socket.IO event names: which Herald event type goes out under which name, and the checks on
 * configured names. Kept apart from `socketio.ts` so the config module can validate names
 * without loading the transport.
 */
import { patternProblem } from "@herald/protocol";

/** Socket.IO event names a server may not emit; events of these types arrive as `herald_<name>`. */
export const RESERVED = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** The Socket.IO event name of a Herald event type: the configured name, else the type itself. */
export function socketIoEventName(type: string, names: Readonly<Record<string, string>>): string {
  const name = Object.hasOwn(names, type) ? (names[type] as string) : type;
  return RESERVED.has(name) ? `herald_${name}` : name;
}

/** Events a client emits that the Socket.IO transport handles itself. */
export const CLIENT_EVENTS = new Set([
  "subscribe",
  "unsubscribe",
  "publish",
  "history",
  "presence",
  "refresh",
  "auth",
  "authenticate",
  "ping",
  "get_status",
]);

/** Checks `socketio.eventNames`, `socketio.subscribeEvents` and `socketio.recovery.resyncEvent`; one line per problem. */
export function socketIoNameProblems(config: {
  eventNames: Readonly<Record<string, string>>;
  subscribeEvents?: Readonly<Record<string, { topic: string }>>;
  recovery: { resyncEvent: string };
}): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(config.subscribeEvents ?? {})) {
    const at = `config.socketio.subscribeEvents.${name}`;
    if (RESERVED.has(name) || CLIENT_EVENTS.has(name)) {
      problems.push(`${at}: "${name}" is an event Socket.IO or Herald already handles`);
    }
    const problem = patternProblem(spec.topic);
    if (problem !== undefined) problems.push(`${at}.topic: ${problem}`);
  }
  for (const [type, name] of Object.entries(config.eventNames)) {
    if (RESERVED.has(name)) problems.push(`config.socketio.eventNames.${type}: "${name}" is reserved by Socket.IO`);
  }
  if (RESERVED.has(config.recovery.resyncEvent)) {
    problems.push(`config.socketio.recovery.resyncEvent: "${config.recovery.resyncEvent}" is reserved by Socket.IO`);
  }
  return problems;
}
