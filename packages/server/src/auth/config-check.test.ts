import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { resolveConfig } from "../config.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pub = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;
const jwt = (over: Record<string, unknown>) => ({
  auth: {
    jwt: { keys: [], algorithms: [], leewaySeconds: 5, jwksCacheSeconds: 600, jwksCooldownSeconds: 30, ...over },
  },
});

describe("auth configuration checks", () => {
  it("accepts the classic setups", () => {
    resolveConfig(jwt({ keys: [{ alg: "RS256", pem: pub, kid: "a" }] }) as never);
    resolveConfig(jwt({ jwksUrl: "https://issuer.example/.well-known/jwks.json", algorithms: ["RS256"] }) as never);
    resolveConfig({ auth: { jwtSecret: "thirty-two-characters-is-the-min" } });
    assert.throws(() => resolveConfig({ auth: { jwtSecret: "twenty-characters-20" } }), /auth\.jwtSecret/);
  });

  it("refuses algorithm confusion, private keys, none and unusable combinations", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ keys: [{ alg: "HS256", pem: pub }] }, /HS256 needs a "secret"/],
      [{ keys: [{ alg: "RS256", secret: "x".repeat(40) }] }, /asymmetric/],
      [{ keys: [{ alg: "ES256", pem: pub }] }, /EC public key/],
      [{ keys: [{ alg: "RS256", pem: "not a key" }] }, /cannot read the key/],
      [{ keys: [{ alg: "RS256", jwk: { kty: "RSA", n: "x", e: "AQAB", d: "secret" } }] }, /private key/],
      [
        {
          keys: [
            { alg: "RS256", pem: pub, kid: "k" },
            { alg: "RS256", pem: pub, kid: "k" },
          ],
        },
        /share a kid/,
      ],
      [{ keys: [{ alg: "RS256", pem: pub }], algorithms: ["ES256"] }, /does not accept/],
      [{ jwksUrl: "https://issuer.example/jwks" }, /must list the accepted algorithms/],
      [{ algorithms: ["none"] }, /algorithms/],
      [{ keys: [{ alg: "HS256", secret: "short" }] }, /secret/],
    ];
    for (const [over, re] of bad) assert.throws(() => resolveConfig(jwt(over) as never), re, JSON.stringify(over));
  });

  it("refuses malformed origins and duplicate scoped keys", () => {
    assert.throws(() => resolveConfig({ server: { allowedOrigins: ["evil.example/path"] } }), /allowedOrigins/);
    const k = { name: "a", key: "k".repeat(20), publish: [""], read: [] };
    assert.throws(() => resolveConfig({ auth: { scopedApiKeys: [k, k] } }), /used twice/);
  });
});
