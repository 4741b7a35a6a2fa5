/**
 * Verification keys for user tokens, imported once from configuration (secret, PEM or JWK),
 * plus an optional JWKS fetched from a URL fixed in configuration. A key verifies exactly one
 * algorithm, so an HS256 token can never be checked against an RSA public key.
 */
import { createPublicKey, type KeyObject, type webcrypto } from "node:crypto";
import { createRemoteJWKSet, importJWK, type JWTVerifyGetKey } from "jose";
import type { JwtConfig, JwtKeyConfig } from "../config-types.js";

export interface VerificationKey {
  kid: string | undefined;
  alg: string;
  key: KeyObject | Uint8Array | webcrypto.CryptoKey;
}

/** Imports one configured key for its algorithm; throws with a message naming the problem. */
export async function importKey(k: JwtKeyConfig): Promise<VerificationKey> {
  let key: VerificationKey["key"];
  if (k.secret !== undefined) key = new TextEncoder().encode(k.secret);
  else if (k.pem !== undefined) key = createPublicKey(k.pem);
  else if (k.jwk !== undefined) {
    const imported = await importJWK(k.jwk, k.alg);
    key = imported;
  } else throw new Error(`key ${k.kid ?? k.alg} has no secret, pem or jwk`);
  if (key instanceof Uint8Array === false && "type" in key && key.type === "private") {
    throw new Error(`key ${k.kid ?? k.alg} is a private key; configure the public key`);
  }
  return { kid: k.kid, alg: k.alg, key };
}

/** Checks that PEM/JWK keys parse, for configuration errors at start. */
export function keyProblem(k: JwtKeyConfig): string | undefined {
  try {
    if (k.pem !== undefined) {
      const key = createPublicKey(k.pem);
      if (k.alg.startsWith("ES") && key.asymmetricKeyType !== "ec") return `${k.alg} needs an EC public key`;
      if (k.alg === "EdDSA" && !["ed25519", "ed448"].includes(key.asymmetricKeyType ?? "")) {
        return "EdDSA needs an Ed25519 or Ed448 public key";
      }
      if (/^(RS|PS)/.test(k.alg) && !["rsa", "rsa-pss"].includes(key.asymmetricKeyType ?? "")) {
        return `${k.alg} needs an RSA public key`;
      }
    }
    if (k.jwk !== undefined && typeof k.jwk.d === "string") return "the JWK holds a private key; give the public key";
  } catch (err) {
    return `cannot read the key: ${(err as Error).message}`;
  }
  return undefined;
}

/** The configured keys and JWKS, as jose will use them. */
export class KeyRing {
  private readonly local: Promise<VerificationKey[]>;
  readonly remote: JWTVerifyGetKey | undefined;

  constructor(config: Pick<JwtConfig, "keys" | "jwksUrl" | "jwksCacheSeconds" | "jwksCooldownSeconds">) {
    this.local = Promise.all(config.keys.map(importKey));
    // A failed import is reported on use; never an unhandled rejection.
    this.local.catch(() => {});
    this.remote =
      config.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(config.jwksUrl), {
            cacheMaxAge: config.jwksCacheSeconds * 1000,
            cooldownDuration: config.jwksCooldownSeconds * 1000,
            timeoutDuration: 5000,
          });
  }

  /**
   * Local keys that may verify a token with this header: same algorithm, and the same `kid`
   * when the token names one (keys configured without a kid accept any kid).
   */
  async candidates(alg: string, kid: string | undefined): Promise<VerificationKey[]> {
    const keys = await this.local;
    const sameAlg = keys.filter((k) => k.alg === alg);
    if (kid === undefined) return sameAlg;
    const exact = sameAlg.filter((k) => k.kid === kid);
    return exact.length > 0 ? exact : sameAlg.filter((k) => k.kid === undefined);
  }

  /** Algorithms of the local keys. */
  async algorithms(): Promise<string[]> {
    return [...new Set((await this.local).map((k) => k.alg))];
  }
}
