/**
 * Keys and token minting for the adversarial suite: one key per supported family, and helpers
 * that build the malformed tokens attackers send (alg none, edited payloads, confused algs).
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { exportJWK, type JWTPayload, SignJWT } from "jose";
import type { HeraldConfigInput } from "../../src/config.js";

export const HS_SECRET = "an-hs256-secret-that-is-long-enough-0123";

function pair(type: "rsa" | "ec" | "ed25519"): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const kp =
    type === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : type === "ec"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("ed25519");
  return { ...kp, pem: kp.publicKey.export({ type: "spki", format: "pem" }) as string };
}

export const RSA = pair("rsa");
export const EC = pair("ec");
export const ED = pair("ed25519");
/** A key the server does not know. */
export const STRANGER = pair("rsa");

export const ISSUER = "https://issuer.test";
export const AUDIENCE = "herald-test";

/** `auth` config accepting all four families, with issuer and audience required. */
export function authConfig(extra: Record<string, unknown> = {}): HeraldConfigInput["auth"] {
  return {
    anonymous: false,
    jwt: {
      keys: [
        { kid: "hs", alg: "HS256", secret: HS_SECRET },
        { kid: "rs", alg: "RS256", pem: RSA.pem },
        { kid: "es", alg: "ES256", pem: EC.pem },
        { kid: "ed", alg: "EdDSA", pem: ED.pem },
      ],
      algorithms: [],
      issuer: ISSUER,
      audience: AUDIENCE,
      leewaySeconds: 2,
      jwksCacheSeconds: 600,
      jwksCooldownSeconds: 30,
    },
    ...extra,
  } as HeraldConfigInput["auth"];
}

export interface MintOptions {
  alg?: "HS256" | "RS256" | "ES256" | "EdDSA";
  kid?: string | null;
  /** Seconds from now; negative for an expired token. */
  exp?: number;
  nbf?: number;
  iss?: string;
  aud?: string;
  claims?: JWTPayload;
  key?: KeyObject | Uint8Array;
}

/** Mints a token the way a real issuer would (valid unless options say otherwise). */
export async function mint(sub: string, o: MintOptions = {}): Promise<string> {
  const alg = o.alg ?? "RS256";
  const key =
    o.key ??
    (alg === "HS256"
      ? new TextEncoder().encode(HS_SECRET)
      : alg === "RS256"
        ? RSA.privateKey
        : alg === "ES256"
          ? EC.privateKey
          : ED.privateKey);
  const kid = o.kid === null ? undefined : (o.kid ?? { HS256: "hs", RS256: "rs", ES256: "es", EdDSA: "ed" }[alg]);
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...o.claims })
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setSubject(sub)
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(now + (o.exp ?? 3600));
  if (o.nbf !== undefined) jwt.setNotBefore(now + o.nbf);
  return jwt.sign(key);
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** An unsigned token (`alg: none`). */
export function noneToken(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub, iss: ISSUER, aud: AUDIENCE, exp: now + 3600 })}.`;
}

/** A valid token whose payload was edited after signing (here: `sub` replaced). */
export function editedToken(token: string, sub: string): string {
  const [h, p, s] = token.split(".") as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
  return `${h}.${b64({ ...payload, sub })}.${s}`;
}

/** The public JWK of the RSA key, for a JWKS endpoint. */
export async function rsaJwk(kid: string): Promise<Record<string, unknown>> {
  return { ...(await exportJWK(RSA.publicKey)), kid, alg: "RS256", use: "sig" };
}
