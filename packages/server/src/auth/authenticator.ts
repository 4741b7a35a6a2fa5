/**
 * Turns a bearer token into a `Principal`, or rejects it with `unauthorized` / `token_expired`.
 * Implementations must never trust the token's own header for key or algorithm choice.
 */
import type { Principal } from "./principal.js";

export interface Authenticator {
  authenticate(token: string): Promise<Principal>;
}
