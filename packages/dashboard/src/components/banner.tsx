/**
 * The connection banner: shown while the connection is down (with the retry countdown) and
 * when it stopped for good (an expired or revoked token). It overlays the top of the page
 * instead of pushing the content down, so nothing jumps when the connection flaps.
 */
import { describeReason } from "@herald/client";
import { useConnection } from "@herald/react";
import { useRef } from "react";

export function Banner({ onSignOut }: { onSignOut(): void }) {
  const state = useConnection();
  const wasConnected = useRef(false);
  if (state.status === "connected") wasConnected.current = true;
  let text: string | undefined;
  let terminal = false;
  switch (state.status) {
    case "connected":
      break;
    case "connecting":
      if (wasConnected.current || state.attempt > 0) text = `Reconnecting (attempt ${state.attempt + 1})…`;
      break;
    case "disconnected":
      text = `Connection lost (${describeReason(state.reason)}). Reconnecting in ${Math.ceil(state.retryInMs / 1000)} s…`;
      break;
    case "closed":
      if (state.reason.kind !== "idle" && state.reason.kind !== "client") {
        text = `Disconnected: ${describeReason(state.reason)}.`;
        terminal = true;
      }
      break;
    default: {
      const never: never = state;
      return never;
    }
  }
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {text === undefined ? null : (
        <div className={terminal ? "banner banner-error" : "banner"} data-testid="reconnect-banner">
          <span>{text}</span>
          {terminal ? (
            <button type="button" onClick={onSignOut}>
              Sign in again
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}
