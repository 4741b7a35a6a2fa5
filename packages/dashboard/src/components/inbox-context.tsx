/**
 * One live inbox per session (`useInbox`), shared by the navigation badge and the Inbox view,
 * and the browser notification shown for each new notification when the user allowed them and
 * the tab is in the background.
 */
import type { Notification as HeraldNotification } from "@herald/client";
import { type InboxState, useHeraldClient, useInbox } from "@herald/react";
import { createContext, type ReactNode, useContext, useEffect } from "react";

const InboxContext = createContext<InboxState | null>(null);

function Live({ children }: { children: ReactNode }) {
  const inbox = useInbox({ limit: 50 });
  const client = useHeraldClient();
  useEffect(
    () =>
      client.on("notification", (n: HeraldNotification) => {
        if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
        if (document.visibilityState === "visible") return; // the badge already says it
        new Notification(n.title, { body: n.message, tag: n.id });
      }),
    [client],
  );
  return <InboxContext.Provider value={inbox}>{children}</InboxContext.Provider>;
}

/** Provides the inbox when the session has a user (anonymous sessions have none). */
export function InboxProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  return enabled ? <Live>{children}</Live> : <>{children}</>;
}

/** The session's inbox, or null for anonymous sessions. */
export function useSharedInbox(): InboxState | null {
  return useContext(InboxContext);
}
