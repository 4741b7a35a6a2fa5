/**
 * JWT verification with `jose`. The accepted algorithms come from configuration, never from
 * the token: `none` is not an algorithm Herald knows, and each key verifies exactly one
 * algorithm, so HS/RS confusion is impossible. `exp`, `nbf`, `iss` and `aud` are checked with
 * a small clock tolerance. Keys come from configuration (secret, PEM, JWK) or a JWKS URL fixed
 * in configuration.
 */
import { HeraldError } from "@herald/protocol";
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyOptions, jwtVerify, SignJWT } from "jose";
import type { JwtConfig } from "../config-types.js";
import type { Authenticator } from "./authenticator.js";
import { KeyRing } from "./jwt-keys.js";
import type { Principal } from "./principal.js";

/** Longest token accepted before any parsing. */
const MAX_TOKEN_LENGTH = 16_384;

export interface JwtOptions extends Partial<JwtConfig> {
  /** Shared secret for HS256 (the older `auth.jwtSecret`); adds an HS256 key. */
  secret?: string;
}

export class JwtAuthenticator implements Authenticator {
  private readonly ring: KeyRing;
  private readonly algorithms: Promise<Set<string>>;
  private readonly verifyOptions: JWTVerifyOptions;

  constructor(options: JwtOptions) {
    const keys = [...(options.keys ?? [])];
    if (options.secret !== undefined) keys.push({ alg: "HS256", secret: options.secret });
    this.ring = new KeyRing({
      keys,
      ...(options.jwksUrl === undefined ? {} : { jwksUrl: options.jwksUrl }),
      jwksCacheSeconds: options.jwksCacheSeconds ?? 600,
      jwksCooldownSeconds: options.jwksCooldownSeconds ?? 30,
    });
    const explicit = options.algorithms ?? [];
    this.algorithms =
      explicit.length > 0 ? Promise.resolve(new Set(explicit)) : this.ring.algorithms().then((a) => new Set(a));
    this.algorithms.catch(() => {});
    this.verifyOptions = { clockTolerance: options.leewaySeconds ?? 5 };
    if (options.issuer !== undefined) this.verifyOptions.issuer = options.issuer;
    if (options.audience !== undefined) this.verifyOptions.audience = options.audience;
  }

  /** Whether this configuration verifies any token at all. */
  static configured(options: JwtOptions): boolean {
    return options.secret !== undefined || (options.keys?.length ?? 0) > 0 || options.jwksUrl !== undefined;
  }

  async authenticate(token: string): Promise<Principal> {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new HeraldError("unauthorized", "invalid token");
    }
    let alg: string;
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      alg = String(header.alg);
      kid = typeof header.kid === "string" ? header.kid : undefined;
    } catch (err) {
      throw new HeraldError("unauthorized", "malformed token", { cause: err });
    }
    const accepted = await this.algorithms;
    if (!accepted.has(alg))
      throw new HeraldError("unauthorized", `token algorithm "${alg.slice(0, 20)}" is not accepted`);
    const options: JWTVerifyOptions = { ...this.verifyOptions, algorithms: [alg] };
    const candidates = await this.ring.candidates(alg, kid);
    let payload: JWTPayload | undefined;
    try {
      if (candidates.length === 0) {
        if (this.ring.remote === undefined) throw new HeraldError("unauthorized", "no key matches the token's key id");
        try {
          ({ payload } = await jwtVerify(token, this.ring.remote, options));
        } catch (err) {
          throw jwksProblem(err) ?? err;
        }
      } else {
        for (const [i, c] of candidates.entries()) {
          try {
            ({ payload } = await jwtVerify(token, c.key, options));
            break;
          } catch (err) {
            // Without a kid several keys may fit: try the next one on a bad signature only.
            if (!(err instanceof errors.JWSSignatureVerificationFailed) || i === candidates.length - 1) throw err;
          }
        }
      }
    } catch (err) {
      throw toAuthError(err);
    }
    return principalOf(payload as JWTPayload);
  }
}

function principalOf(payload: JWTPayload): Principal {
  if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 256) {
    throw new HeraldError("unauthorized", 'token has no valid "sub" claim');
  }
  const principal: Principal = { user: payload.sub, anonymous: false, claims: Object.freeze({ ...payload }) };
  if (typeof payload.exp === "number") principal.expiresAt = payload.exp * 1000;
  return principal;
}

/**
 * A JWKS that cannot be fetched (network, timeout, not 200, not a key set) is the issuer's
 * outage, not the client's fault: `unavailable`, so the client reconnects later (4008).
 */
function jwksProblem(err: unknown): HeraldError | undefined {
  const fetchFailed =
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    !(err instanceof errors.JOSEError) ||
    (err.code === "ERR_JOSE_GENERIC" && /JSON Web Key Set/.test(err.message));
  return fetchFailed
    ? new HeraldError("unavailable", "token keys are unavailable; retry later", { cause: err })
    : undefined;
}

/** Maps jose's errors to stable codes with messages that say what failed, not how to forge. */
function toAuthError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  if (err instanceof errors.JWTExpired) return new HeraldError("token_expired", "token has expired", { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    const what =
      err.claim === "nbf"
        ? "token is not valid yet"
        : err.claim === "iss"
          ? "token issuer is not accepted"
          : err.claim === "aud"
            ? "token audience is not accepted"
            : `token claim "${err.claim}" is invalid`;
    return new HeraldError("unauthorized", what, { cause: err });
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new HeraldError("unauthorized", "no key matches the token's key id", { cause: err });
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new HeraldError("unauthorized", "token signature is invalid", { cause: err });
  }
  return new HeraldError("unauthorized", "invalid token", { cause: err });
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
