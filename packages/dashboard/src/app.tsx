/**
 * The shell: sign-in, then one Herald client for the whole session (`HeraldProvider`), the
 * navigation built from the route table, the reconnect banner and the current view.
 */
import type { ClientOptions } from "@herald/client";
import { HeraldProvider } from "@herald/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Banner } from "./components/banner.js";
import { InboxProvider } from "./components/inbox-context.js";
import { Nav } from "./components/nav.js";
import { useHashRoute } from "./lib/hash-route.js";
import { type DashboardInfo, devToken, InfoError, loadInfo, wsUrl } from "./lib/info.js";
import { storedToken, storeToken } from "./lib/session.js";
import { visibleRoutes } from "./routes.js";
import { LoginView } from "./views/login.js";

/** What the form offers when the gateway cannot be asked. */
const CLOSED: DashboardInfo["auth"] = { anonymous: false, tokens: true, devLogin: false };

type Session =
  | { status: "loading" }
  | { status: "signed-out"; error?: string | undefined; auth: DashboardInfo["auth"] }
  | { status: "signed-in"; info: DashboardInfo; token: string | undefined };

export function App() {
  const [session, setSession] = useState<Session>({ status: "loading" });

  const signIn = useCallback(async (token: string | undefined, remember: boolean) => {
    try {
      const info = await loadInfo(token);
      if (remember) storeToken(token);
      setSession({ status: "signed-in", info, token });
    } catch (err) {
      const refused = err instanceof InfoError && err.kind === "unauthorized";
      if (refused) storeToken(undefined);
      // Ask anonymously what this gateway accepts, to offer the right choices on the form.
      const open = await loadInfo(undefined).catch(() => undefined);
      setSession({
        status: "signed-out",
        error: token === undefined && open !== undefined ? undefined : (err as Error).message,
        auth: open?.auth ?? CLOSED,
      });
    }
  }, []);

  const signOut = useCallback(() => {
    storeToken(undefined);
    setSession({ status: "loading" });
    void loadInfo(undefined).then(
      (open) => setSession({ status: "signed-out", auth: open.auth }),
      (err: Error) => setSession({ status: "signed-out", error: err.message, auth: CLOSED }),
    );
  }, []);

  useEffect(() => {
    const token = storedToken();
    if (token !== undefined) void signIn(token, true);
    else signOut();
  }, [signIn, signOut]);

  switch (session.status) {
    case "loading":
      return (
        <main className="center" aria-busy="true">
          <p>Loading…</p>
        </main>
      );
    case "signed-out":
      return (
        <LoginView
          error={session.error}
          auth={session.auth}
          onSignIn={(token) => signIn(token, true)}
          onDevLogin={async () => {
            try {
              await signIn(await devToken(), true);
            } catch (err) {
              setSession({ ...session, error: (err as Error).message });
            }
          }}
        />
      );
    case "signed-in":
      return <SignedIn info={session.info} token={session.token} onSignOut={signOut} />;
    default: {
      const never: never = session;
      return never;
    }
  }
}

function SignedIn({ info, token, onSignOut }: { info: DashboardInfo; token: string | undefined; onSignOut(): void }) {
  const options = useMemo<ClientOptions>(
    () => (token === undefined ? { url: wsUrl(info) } : { url: wsUrl(info), token }),
    [info, token],
  );
  const routes = visibleRoutes(info);
  const route = useHashRoute();
  const active = routes.find((r) => r.id === route) ?? routes[0];
  const View = active?.view;
  return (
    <HeraldProvider options={options}>
      <InboxProvider enabled={info.user !== null && info.features.includes("inbox")}>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <Banner onSignOut={onSignOut} />
        <header className="top">
          <span className="brand">Herald</span>
          <Nav routes={routes} active={active?.id} />
          <div className="who">
            <span className="muted" title={`node ${info.node}, version ${info.version}`}>
              {info.user === null ? "anonymous" : info.user.id}
              {info.user?.admin ? " (admin)" : ""}
            </span>
            <button type="button" className="link" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {View === undefined ? <p>No view is available to this session.</p> : <View info={info} token={token} />}
        </main>
      </InboxProvider>
    </HeraldProvider>
  );
}
