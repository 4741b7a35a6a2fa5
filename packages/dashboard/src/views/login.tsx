/**
 * Sign-in with a user token (a JWT from your identity provider, or in development one minted
 * by `herald token`). Never the API key: the dashboard talks to the gateway as a user.
 */
import { type FormEvent, useId, useState } from "react";
import type { DashboardInfo } from "../lib/info.js";

export interface LoginProps {
  error: string | undefined;
  /** What the gateway accepts: anonymous clients, tokens, development tokens. */
  auth: DashboardInfo["auth"];
  onSignIn(token: string | undefined): Promise<void>;
  /** Signs in with a development token (`dashboard.devLogin`). */
  onDevLogin(): Promise<void>;
}

export function LoginView({ error, auth, onSignIn, onDevLogin }: LoginProps) {
  const { anonymous, tokens, devLogin } = auth;
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const helpId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (token.trim() === "") return;
    setBusy(true);
    await onSignIn(token.trim());
    setBusy(false);
  };
  return (
    <main className="center">
      <form className="card login" onSubmit={submit} aria-labelledby={`${fieldId}-title`}>
        <h1 id={`${fieldId}-title`}>Herald dashboard</h1>
        {error === undefined ? null : (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <label htmlFor={fieldId}>User token (JWT)</label>
        <textarea
          id={fieldId}
          name="token"
          rows={4}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby={helpId}
          spellCheck={false}
          autoComplete="off"
          disabled={!tokens}
        />
        <p id={helpId} className="muted small">
          {tokens ? (
            <>
              Admin views need a token whose roles include the admin role. In development, mint one with{" "}
              <code>npx herald token you --claim roles=admin</code> (same <code>HERALD_JWT_SECRET</code> as the
              gateway).
            </>
          ) : (
            <>
              This gateway verifies no tokens: set <code>HERALD_JWT_SECRET</code> (or <code>auth.jwt</code>) to sign in.
            </>
          )}
        </p>
        <div className="row wrap">
          <button type="submit" disabled={busy || !tokens || token.trim() === ""}>
            Sign in
          </button>
          {devLogin ? (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void onDevLogin().finally(() => setBusy(false));
              }}
            >
              Use a development token
            </button>
          ) : null}
          {anonymous ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => void onSignIn(undefined)}>
              Continue without a token
            </button>
          ) : null}
        </div>
      </form>
    </main>
  );
}
