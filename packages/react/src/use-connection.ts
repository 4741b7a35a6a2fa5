import type { ConnectionState } from "@herald/client";
import { useCallback, useSyncExternalStore } from "react";
import { useHeraldClient } from "./context.js";

/** The client's connection state (a tagged union on `status`), re-rendering on every change. */
export function useConnection(): ConnectionState {
  const client = useHeraldClient();
  const subscribe = useCallback((onChange: () => void) => client.on("state", onChange), [client]);
  return useSyncExternalStore(subscribe, () => client.state);
}

/** True while the connection is up. */
export function useConnected(): boolean {
  return useConnection().status === "connected";
}
