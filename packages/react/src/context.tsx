/** The React context carrying the client, and the provider that owns one client per options. */
import type { ClientOptions, HeraldClient } from "@herald/client";
import { createContext, type ReactNode, useContext, useEffect, useMemo } from "react";
import { acquireClient, optionsKey, peekClient, releaseClient } from "./client-cache.js";

const HeraldContext = createContext<HeraldClient | null>(null);

export type HeraldProviderProps =
  | {
      /** Options of the client this provider owns: it connects on mount and closes after the last unmount. */
      options: ClientOptions;
      client?: undefined;
      children?: ReactNode;
    }
  | {
      /** A client the application owns (connect and close it yourself). */
      client: HeraldClient;
      options?: undefined;
      children?: ReactNode;
    };

/**
 * Provides a Herald client to the hooks below it. With `options`, one stable client exists per
 * set of equal options (an inline object re-created each render keeps it) and survives
 * StrictMode's double effects and hot reload; with `client`, that client is used as is.
 */
export function HeraldProvider(props: HeraldProviderProps): ReactNode {
  const { options, client: given } = props;
  const key = options === undefined ? undefined : optionsKey(options);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the options
  const owned = useMemo(
    () => (key === undefined || options === undefined ? undefined : peekClient(key, options)),
    [key],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the options
  useEffect(() => {
    if (key === undefined || options === undefined) return;
    acquireClient(key, options);
    return () => releaseClient(key);
  }, [key]);
  const client = given ?? owned;
  return <HeraldContext.Provider value={client ?? null}>{props.children}</HeraldContext.Provider>;
}

/** The client from the nearest `HeraldProvider`; throws when there is none. */
export function useHeraldClient(): HeraldClient {
  const client = useContext(HeraldContext);
  if (client === null) throw new Error("useHeraldClient: no <HeraldProvider> above this component");
  return client;
}
