import { type ConnectionState, describeReason, HeraldClientError } from "@herald/client";
import { useCallback, useMemo, useSyncExternalStore } from "react";
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

/**
 * Why the client stopped for good (a terminal close code such as an invalid token), as a
 * `client_closed` error; undefined while it is connected or still retrying.
 */
export function useTerminalError(): HeraldClientError | undefined {
  const state = useConnection();
  return useMemo(() => {
    if (state.status !== "closed" || state.reason.kind === "idle" || state.reason.kind === "client") return undefined;
    return new HeraldClientError("client_closed", describeReason(state.reason));
  }, [state]);
}
