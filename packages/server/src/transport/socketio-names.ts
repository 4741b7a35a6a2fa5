/**
 * Socket.IO event names: which Herald event type goes out under which name, and the checks on
 * configured names. Kept apart from `socketio.ts` so the config module can validate names
 * without loading the transport.
 */

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

/** Checks `socketio.eventNames` and `socketio.recovery.resyncEvent`; one line per problem. */
export function socketIoNameProblems(config: {
  eventNames: Readonly<Record<string, string>>;
  recovery: { resyncEvent: string };
}): string[] {
  const problems: string[] = [];
  for (const [type, name] of Object.entries(config.eventNames)) {
    if (RESERVED.has(name)) problems.push(`config.socketio.eventNames.${type}: "${name}" is reserved by Socket.IO`);
  }
  if (RESERVED.has(config.recovery.resyncEvent)) {
    problems.push(`config.socketio.recovery.resyncEvent: "${config.recovery.resyncEvent}" is reserved by Socket.IO`);
  }
  return problems;
}
