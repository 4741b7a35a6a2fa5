/**
 * The gateway's HTTP API as the signed-in user: `Authorization: Bearer <token>` (an admin token
 * for the operator routes; the API key never reaches the browser). Errors carry the gateway's
 * stable code (`forbidden`, `invalid_filter`, …) so a view can show it.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { gatewayOrigin } from "./info.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(
  token: string | undefined,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${gatewayOrigin()}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: "no-store",
  });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { code?: string; error?: string };
  if (!res.ok) throw new ApiError(res.status, body.code ?? "error", body.error ?? `the gateway answered ${res.status}`);
  return body as T;
}

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  /** Loads again now (after a change the view made). */
  reload(): void;
}

/** GETs `path` now and every `intervalMs` while mounted (no overlapping requests). */
export function usePoll<T>(token: string | undefined, path: string, intervalMs = 2000): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const load = () => {
      if (busy.current) return;
      busy.current = true;
      api<T>(token, path)
        .then((d) => {
          if (!live) return;
          setData(d);
          setError(undefined);
        })
        .catch((err: Error) => {
          if (live) setError(err);
        })
        .finally(() => {
          busy.current = false;
        });
    };
    load();
    const timer = setInterval(load, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [token, path, intervalMs, tick]);
  return { data, error, reload };
}
