/** Token expiry on the request path (nothing is done on behalf of an expired token), and auth close codes. */
import { CloseCode, type ErrorCode, HeraldError } from "@herald/protocol";
import type { Principal } from "./principal.js";

/** Whether the principal's token has expired (no leeway: the session already had its grace). */
export function isExpired(who: Principal | undefined, now = Date.now()): boolean {
  return who?.expiresAt !== undefined && who.expiresAt <= now;
}

/** Throws `token_expired` when the principal's token has expired. */
export function assertFresh(who: Principal | undefined): void {
  if (isExpired(who)) throw new HeraldError("token_expired", "token has expired; send refresh with a new token");
}

/** Close code for a connection whose authentication failed with `code`. */
export function closeCodeForAuthError(code: ErrorCode): number {
  if (code === "token_expired") return CloseCode.tokenExpired;
  if (code === "unavailable") return CloseCode.unavailable; // the issuer's JWKS is down: retry later
  return CloseCode.unauthorized;
}
