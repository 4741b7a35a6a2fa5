/** What every view receives (kept apart from the route table, which imports the views). */
import type { DashboardInfo } from "./lib/info.js";

export interface ViewProps {
  info: DashboardInfo;
  /** The signed-in token, for the HTTP API (`lib/api.ts`); undefined when anonymous. */
  token: string | undefined;
}
