/**
 * Checks of the `auth` configuration that a JSON schema cannot express. Returned as one line
 * per problem, so a bad key or an unusable algorithm list stops the start with a clear message.
 */
import type { HeraldConfig } from "../config-types.js";
import { keyProblem } from "./jwt-keys.js";

const SYMMETRIC = /^HS/;

export function authConfigProblems(config: HeraldConfig): string[] {
  const problems: string[] = [];
  const jwt = config.auth.jwt;
  jwt.keys.forEach((k, i) => {
    const where = `config.auth.jwt.keys[${i}]`;
    const given = [k.secret, k.pem, k.jwk].filter((v) => v !== undefined).length;
    if (given !== 1) problems.push(`${where} needs exactly one of "secret", "pem", "jwk"`);
    // An HS key given as PEM/JWK of a public key is the classic algorithm-confusion mistake.
    if (SYMMETRIC.test(k.alg) && k.secret === undefined && k.jwk === undefined) {
      problems.push(`${where}: ${k.alg} needs a "secret" (or an "oct" JWK), not a PEM`);
    }
    const bad = keyProblem(k);
    if (bad !== undefined) problems.push(`${where}: ${bad}`);
    if (!SYMMETRIC.test(k.alg) && k.secret !== undefined) {
      problems.push(`${where}: ${k.alg} is asymmetric; give its public key as "pem" or "jwk", not a "secret"`);
    }
  });
  const kids = jwt.keys.map((k) => k.kid).filter((k) => k !== undefined);
  if (new Set(kids).size !== kids.length) problems.push("config.auth.jwt.keys: two keys share a kid");
  if (jwt.jwksUrl !== undefined && jwt.algorithms.length === 0) {
    problems.push("config.auth.jwt.algorithms must list the accepted algorithms when jwksUrl is set");
  }
  for (const [i, k] of jwt.keys.entries()) {
    if (jwt.algorithms.length > 0 && !jwt.algorithms.includes(k.alg)) {
      problems.push(`config.auth.jwt.keys[${i}] uses ${k.alg}, which config.auth.jwt.algorithms does not accept`);
    }
  }
  const names = new Set<string>();
  for (const k of config.auth.scopedApiKeys) {
    if (names.has(k.name)) problems.push(`config.auth.scopedApiKeys: name "${k.name}" is used twice`);
    names.add(k.name);
    if (config.auth.apiKeys.includes(k.key)) {
      problems.push(`config.auth.scopedApiKeys["${k.name}"]: the key is also an unscoped key in auth.apiKeys`);
    }
  }
  for (const o of config.server.allowedOrigins) {
    if (o !== "*" && !/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(o)) {
      problems.push(
        `config.server.allowedOrigins: "${o}" must be "*" or scheme://host[:port] (host may start with *.)`,
      );
    }
  }
  return problems;
}
