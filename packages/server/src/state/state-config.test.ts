import assert from "node:assert/strict";
import { it } from "node:test";
import { ConfigError, resolveConfig } from "../config.js";

it("refuses a state namespace that is not durable, and postgres without a url", () => {
  assert.throws(
    () => resolveConfig({ namespaces: [{ prefix: "board", state: true }] }),
    (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.includes('"board" has state: true')),
  );
  assert.throws(
    () => resolveConfig({ store: { type: "postgres" } }),
    (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.includes("config.store.url")),
  );
  assert.throws(() => resolveConfig({ store: { schema: "Bad-Name" } }), ConfigError);
  const ok = resolveConfig({ namespaces: [{ prefix: "board", state: true, durable: true }] });
  assert.equal(ok.namespaces[1]?.state, true);
  assert.equal(ok.store.path, "./data/herald.db");
});
