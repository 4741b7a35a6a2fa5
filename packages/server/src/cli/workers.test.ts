import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { UsageError } from "./args.js";
import { defaultWorkers, parseWorkers } from "./workers.js";

describe("--workers", () => {
  it("defaults to one per core on the Redis engine and to one process on memory", () => {
    assert.equal(defaultWorkers("redis"), availableParallelism());
    assert.equal(defaultWorkers("memory"), 1);
    assert.equal(parseWorkers(undefined, "memory"), 1);
    assert.equal(parseWorkers("auto", "redis"), availableParallelism());
    assert.equal(parseWorkers("3", "redis"), 3);
    assert.equal(parseWorkers("1", "memory"), 1);
  });

  it("refuses bad counts, and several workers without a shared engine", () => {
    for (const bad of ["0", "-1", "two", "1.5"]) assert.throws(() => parseWorkers(bad, "redis"), UsageError);
    assert.throws(() => parseWorkers("2", "memory"), /needs the Redis engine/);
  });
});
