/**
 * The dashboard's views. Adding one is a file under `views/` plus one line here: `feature` names
 * what `GET /api/dashboard/info` must list for the view to appear (so views for features a
 * gateway does not serve stay hidden), `admin` hides it from non-admin tokens, `user` from
 * anonymous sessions.
 */
import type { ComponentType } from "react";
import type { DashboardInfo } from "./lib/info.js";
import { InboxView } from "./views/inbox.js";
import { OverviewView } from "./views/overview.js";
import { PresenceView } from "./views/presence.js";
import { TopicsView } from "./views/topics.js";

export interface ViewProps {
  info: DashboardInfo;
}

export interface Route {
  /** Fragment path: `#/topics`. */
  id: string;
  title: string;
  /** Feature the gateway must list. */
  feature: string;
  /** Only for admin tokens. @default false */
  admin?: boolean;
  /** Only for signed-in users (a token). @default false */
  user?: boolean;
  view: ComponentType<ViewProps>;
}

export const ROUTES: Route[] = [
  { id: "overview", title: "Overview", feature: "stats", admin: true, view: OverviewView },
  { id: "topics", title: "Topics", feature: "topics", view: TopicsView },
  { id: "presence", title: "Presence", feature: "presence", view: PresenceView },
  { id: "inbox", title: "Inbox", feature: "inbox", user: true, view: InboxView },
];

/** The routes this session may see on this gateway. */
export function visibleRoutes(info: DashboardInfo): Route[] {
  return ROUTES.filter(
    (r) =>
      info.features.includes(r.feature) &&
      (r.admin !== true || info.user?.admin === true) &&
      (r.user !== true || info.user !== null),
  );
}
