import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError, DEFAULTS, ENV_OVERRIDES, resolveConfig } from "./config.js";
import { CONNECTOR_DEFAULTS } from "./connectors/connector-config.js";
import {
  CONNECT_HOOK_DEFAULTS,
  HOOK_DEFAULTS,
  RPC_HOOK_DEFAULTS,
  SUBSCRIBE_HOOK_DEFAULTS,
} from "./hooks/hooks-config.js";

const doc = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");

function leaves(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value) && path === "namespaces") return leaves(value[0], "namespaces[]", out);
  // An empty map (`socketio.eventNames`) is one documented option, not a section.
  if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else out.set(path, value);
  return out;
}

describe("configuration", () => {
  it("documents every option with its default, and documents nothing that does not exist", () => {
    const rows = new Map(
      [...doc.matchAll(/^\|\s*`([a-z][\w.[\]]*)`\s*\|\s*`([^`]*)`\s*\|/gm)].map((m) => [
        m[1] as string,
        m[2] as string,
      ]),
    );
    const defaults = leaves(DEFAULTS, "", new Map());
    // The defaults every connectors[] entry is merged over (its required fields have none).
    leaves(CONNECTOR_DEFAULTS, "connectors[]", defaults);
    defaults.set("connectors[].options", {});
    // The defaults each configured proxy hook is merged over (its url has none).
    leaves(SUBSCRIBE_HOOK_DEFAULTS, "hooks.subscribe", defaults);
    leaves(HOOK_DEFAULTS, "hooks.publish", defaults);
    leaves(CONNECT_HOOK_DEFAULTS, "hooks.connect", defaults);
    leaves(RPC_HOOK_DEFAULTS, "hooks.rpc", defaults);
    for (const [path, value] of defaults) {
      assert.ok(rows.has(path), `docs/configuration.md misses ${path}`);
      assert.equal(rows.get(path), JSON.stringify(value), `documented default of ${path}`);
    }
    for (const path of rows.keys()) assert.ok(defaults.has(path), `docs/configuration.md documents unknown ${path}`);
    for (const name of Object.keys(ENV_OVERRIDES)) assert.ok(doc.includes(`\`${name}\``), `env ${name} undocumented`);
  });

  it("fills defaults and merges namespaces over the default namespace", () => {
    const c = resolveConfig({ namespaces: [{ prefix: "market", history: { size: 5 } }] });
    assert.equal(c.server.port, 8080);
    assert.equal(c.namespaces.length, 2);
    const market = c.namespaces[1];
    assert.equal(market?.history.size, 5);
    assert.equal(market?.history.ttlSeconds, 300);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.limits));
  });

  it("applies environment overrides over the file", () => {
    const c = resolveConfig(
      { server: { port: 1 } },
      { HERALD_PORT: "9999", HERALD_API_KEYS: "k0123456789abcdef, k1123456789abcdef", HERALD_ANONYMOUS: "false" },
    );
    assert.equal(c.server.port, 9999);
    assert.deepEqual(c.auth.apiKeys, ["k0123456789abcdef", "k1123456789abcdef"]);
    assert.equal(c.auth.anonymous, false);
  });

  it("takes Redis Sentinels from the environment, IPv6 in brackets, and refuses an address without a port", () => {
    const c = resolveConfig(
      { engine: { type: "redis" } },
      { HERALD_REDIS_SENTINELS: "10.0.0.5:26379, [fd00::7]:26380", HERALD_REDIS_SENTINEL_NAME: "events" },
    );
    assert.deepEqual(c.engine.sentinels, ["10.0.0.5:26379", "[fd00::7]:26380"]);
    assert.equal(c.engine.sentinelName, "events");
    assert.deepEqual(resolveConfig({}).engine.sentinels, []);
    assert.throws(() => resolveConfig({ engine: { type: "redis", sentinels: ["sentinel-1"] } }), /engine\.sentinels/);
    assert.throws(
      () => resolveConfig({ engine: { type: "redis", sentinels: ["fd00::7:26379"] } }),
      /engine\.sentinels/,
    );
    assert.throws(
      () =>
        resolveConfig({
          engine: { type: "redis", ackReplicas: 1, ackReplicasTimeoutMs: 5000, commandTimeoutMs: 5000 },
        }),
      /ackReplicasTimeoutMs must be less than/,
    );
  });

  it("rejects bad values with one precise line per problem", () => {
    const err = (() => {
      try {
        resolveConfig({ limits: { maxFrameBytes: 10 }, server: { prot: 1 }, log: { level: "loud" } } as never);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("no error");
    })();
    assert.ok(err instanceof ConfigError);
    assert.ok(
      err.problems.some((p) => p.includes("config.limits.maxFrameBytes") && p.includes(">= 1024")),
      err.message,
    );
    assert.ok(
      err.problems.some((p) => p.includes('unknown option "prot"')),
      err.message,
    );
    assert.ok(
      err.problems.some((p) => p.includes("config.log.level")),
      err.message,
    );
    assert.throws(() => resolveConfig({}, { HERALD_PORT: "eighty" }), /HERALD_PORT must be an integer/);
    assert.throws(() => resolveConfig({ namespaces: [{ prefix: "a" }, { prefix: "a" }] }), /declared twice/);
    assert.throws(() => resolveConfig({ namespaces: [{ prefix: "a..b" }] }), /prefix/);
    assert.throws(() => resolveConfig({ auth: { apiKeys: ["short"] } }), /apiKeys/);
  });
});
