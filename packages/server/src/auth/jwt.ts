/**
 * JWT verification with `jose`. The accepted algorithms are fixed by configuration, never by
 * the token. `exp` and `nbf` are checked with a small clock tolerance.
 */
import { HeraldError } from "@herald/protocol";
import { errors, jwtVerify, SignJWT } from "jose";
import type { Authenticator } from "./authenticator.js";
import type { Principal } from "./principal.js";

export interface JwtOptions {
  /** Shared secret for HS256. */
  secret: string;
  /** Seconds of clock skew tolerated on `exp` / `nbf`. @default 5 */
  leewaySeconds?: number;
}

export class JwtAuthenticator implements Authenticator {
  private readonly key: Uint8Array;

  constructor(private readonly options: JwtOptions) {
    this.key = new TextEncoder().encode(options.secret);
  }

  async authenticate(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        clockTolerance: this.options.leewaySeconds ?? 5,
      });
      if (typeof payload.sub !== "string" || payload.sub.length === 0) {
        throw new HeraldError("unauthorized", 'token has no "sub" claim');
      }
      const principal: Principal = { user: payload.sub, anonymous: false, claims: Object.freeze({ ...payload }) };
      if (typeof payload.exp === "number") principal.expiresAt = payload.exp * 1000;
      return principal;
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      if (err instanceof errors.JWTExpired) throw new HeraldError("token_expired", "token has expired", { cause: err });
      throw new HeraldError("unauthorized", "invalid token", { cause: err });
    }
  }
}

/** Mints an HS256 development token (`herald token`). */
export async function mintToken(
  secret: string,
  subject: string,
  options: { ttlSeconds?: number; claims?: Record<string, unknown> } = {},
): Promise<string> {
  return new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(secret));
}
