/** What the gateway tells the dashboard before it connects: `GET /api/dashboard/info`. */

export interface NamespaceInfo {
  prefix: string;
  history: number;
  durable: boolean;
  presence: boolean;
  state: boolean;
}

export interface DashboardInfo {
  name: string;
  version: string;
  node: string;
  wsPath: string;
  /** Features this gateway serves; a view is shown only when its feature is listed. */
  features: string[];
  /** Route prefix of the analysis-session API (`streams.prefix`); null when sessions are off. */
  streamsPrefix?: string | null;
  /** The stats topic (admins only; `""` otherwise or when stats are off). */
  statsTopic: string;
  statsIntervalMs: number | null;
  /** `devLogin`: this machine may mint a development admin token (`dashboard.devLogin`). */
  auth: { anonymous: boolean; tokens: boolean; devLogin: boolean };
  /** Who the token is (null: anonymous). */
  user: { id: string; admin: boolean; expiresAt: number | null } | null;
  namespaces: NamespaceInfo[];
}

/** Why the info could not be loaded: the token was refused, or the gateway did not answer. */
export class InfoError extends Error {
  constructor(
    readonly kind: "unauthorized" | "unreachable",
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's base URL: the page's own origin and directory (the dashboard is served by it). */
export function gatewayOrigin(): string {
  return window.location.origin;
}

/** Loads the info, as the given token (or anonymously). */
export async function loadInfo(token: string | undefined): Promise<DashboardInfo> {
  let res: Response;
  try {
    res = await fetch(`${gatewayOrigin()}/api/dashboard/info`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      cache: "no-store",
    });
  } catch (err) {
    throw new InfoError("unreachable", `the gateway did not answer (${(err as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as Partial<DashboardInfo> & { error?: string };
  if (res.status === 401) throw new InfoError("unauthorized", body.error ?? "the token was refused");
  if (!res.ok) throw new InfoError("unreachable", body.error ?? `the gateway answered ${res.status}`);
  return body as DashboardInfo;
}

/** The WebSocket URL of the gateway that served this page. */
export function wsUrl(info: DashboardInfo): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${info.wsPath}`;
}

/** A development admin token (`dashboard.devLogin`; the gateway answers only this machine). */
export async function devToken(): Promise<string> {
  const res = await fetch(`${gatewayOrigin()}/api/dashboard/dev-token`, { method: "POST", cache: "no-store" });
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!res.ok || body.token === undefined) {
    throw new InfoError("unauthorized", body.error ?? `no development token (${res.status})`);
  }
  return body.token;
}
