/**
 * What can be checked of the container files without a Docker daemon (none runs here): the
 * image runs as a non-root user, checks /readyz, starts `herald serve` from the built bin;
 * compose.yaml runs two gateway nodes on Redis and Postgres, configured only through
 * environment variables the gateway reads.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ENV_OVERRIDES, resolveConfig } from "../src/config.js";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe("Dockerfile and compose.yaml", () => {
  it("the image is multi-stage, non-root, health-checked on /readyz and runs the built bin", () => {
    const docker = read("Dockerfile");
    assert.ok((docker.match(/^FROM /gm) ?? []).length >= 2, "multi-stage");
    const users = [...docker.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    assert.ok(users.length > 0 && users.at(-1) !== "root", "runs as a non-root user");
    assert.match(docker, /^HEALTHCHECK .*\n?.*\/readyz/m);
    assert.match(docker, /^ENTRYPOINT \["node", "packages\/server\/bin\/herald.js"\]/m);
    assert.match(docker, /^CMD \["serve"\]/m);
  });

  it("compose runs two nodes on Redis and Postgres with variables the gateway reads", () => {
    const compose = parse(read("compose.yaml"), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string>; image?: string; build?: string }>;
    };
    const nodes = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
    assert.equal(nodes.length, 2, "two gateway nodes");
    assert.ok(compose.services.redis && compose.services.postgres);
    for (const [name, s] of nodes) {
      const env = s.environment ?? {};
      for (const key of Object.keys(env)) assert.ok(key in ENV_OVERRIDES, `${name}: ${key} is not read by the gateway`);
      const values = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, String(v).startsWith("${") ? "x".repeat(32) : String(v)]),
      );
      const config = resolveConfig({}, values);
      assert.equal(config.engine.type, "redis", name);
      assert.equal(config.store.type, "postgres", name);
    }
  });
});
