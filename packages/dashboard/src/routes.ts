/**
 * The dashboard's views. Adding one is a file under `views/` plus one line here: `feature` names
 * what `GET /api/dashboard/info` must list for the view to appear (so views for features a
 * gateway does not serve stay hidden), `admin` hides it from non-admin tokens, `user` from
 * anonymous sessions.
 */
import type { ComponentType } from "react";
import type { DashboardInfo } from "./lib/info.js";
import type { ViewProps } from "./view-props.js";
import { AggregationsView } from "./views/aggregations.js";
import { AlertsView } from "./views/alerts.js";
import { ConnectorsView } from "./views/connectors.js";
import { InboxView } from "./views/inbox.js";
import { OverviewView } from "./views/overview.js";
import { PipelineView } from "./views/pipeline.js";
import { PresenceView } from "./views/presence.js";
import { StreamsView } from "./views/streams.js";
import { TopicsView } from "./views/topics.js";

export type { ViewProps } from "./view-props.js";

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
  { id: "pipeline", title: "Pipeline", feature: "pipeline", admin: true, view: PipelineView },
  { id: "connectors", title: "Connectors", feature: "connectors", admin: true, view: ConnectorsView },
  { id: "aggregations", title: "Aggregations", feature: "aggregations", admin: true, view: AggregationsView },
  { id: "alerts", title: "Alerts", feature: "alerts", admin: true, view: AlertsView },
  { id: "streams", title: "Streams", feature: "streams", admin: true, view: StreamsView },
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
