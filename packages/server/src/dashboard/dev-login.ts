/**
 * Development sign-in for the dashboard (`dashboard.devLogin`, off by default): the sign-in page
 * offers a button that mints a short-lived admin token, answered only to requests from this
 * machine (loopback). The token is signed with `auth.jwtSecret`, or, when no token verification
 * is configured at all, with a random secret made at start (tokens die with the process; with
 * `serve --workers N` set `auth.jwtSecret` so every worker accepts them).
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import type { Authenticator } from "../auth/authenticator.js";
import { JwtAuthenticator } from "../auth/jwt.js";
import type { HeraldConfig } from "../config-types.js";

/** Lifetime of a development token, seconds. @default 3600 */
export const DEV_TOKEN_TTL_SECONDS = 3600;

/** The user a development token names. @default "dev" */
export const DEV_USER = "dev";

/** Whether a socket address is this machine (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** What is wrong with `dashboard.devLogin` in this configuration. */
export function devLoginProblems(config: HeraldConfig): string[] {
  const { auth } = config;
  if (!config.dashboard.devLogin || auth.jwtSecret !== undefined) return [];
  if (auth.jwt.keys.length > 0 || auth.jwt.jwksUrl !== undefined) {
    return ["config.dashboard.devLogin needs auth.jwtSecret to sign tokens when other token keys are configured"];
  }
  return [];
}

export class DevLogin {
  private readonly secret: string;
  /** True when the secret was made at start (no token verification was configured). */
  readonly ownSecret: boolean;

  constructor(private readonly config: HeraldConfig) {
    this.ownSecret = config.auth.jwtSecret === undefined;
    this.secret = config.auth.jwtSecret ?? randomBytes(32).toString("hex");
  }

  /** Verifies the tokens this module mints; used only when nothing else verifies tokens. */
  authenticator(): Authenticator {
    return new JwtAuthenticator({ ...this.config.auth.jwt, secret: this.secret });
  }

  /** A token for `dev` with the admin role, valid for `DEV_TOKEN_TTL_SECONDS`. */
  async mint(): Promise<{ token: string; user: string; expiresAt: number }> {
    const { auth } = this.config;
    const expiresAt = Math.floor(Date.now() / 1000) + DEV_TOKEN_TTL_SECONDS;
    const jwt = new SignJWT({ [auth.rolesClaim]: [auth.adminRole] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(DEV_USER)
      .setIssuedAt()
      .setExpirationTime(expiresAt);
    const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const iss = first(auth.jwt.issuer);
    const aud = first(auth.jwt.audience);
    if (iss !== undefined) jwt.setIssuer(iss);
    if (aud !== undefined) jwt.setAudience(aud);
    const token = await jwt.sign(new TextEncoder().encode(this.secret));
    return { token, user: DEV_USER, expiresAt: expiresAt * 1000 };
  }
}
