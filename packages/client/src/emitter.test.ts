import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { Emitter } from "./emitter.js";

class Source extends Emitter<{ tick: number; done: undefined }> {
  fire(n: number): void {
    this.emit("tick", n);
  }
}

test("on/off/once add and remove listeners without leaks", () => {
  const s = new Source();
  const got: number[] = [];
  const listener = (n: number) => got.push(n);
  const off = s.on("tick", listener);
  s.once("tick", (n) => got.push(n * 10));
  s.fire(1);
  s.fire(2);
  assert.deepEqual(got, [1, 10, 2]);
  off();
  s.fire(3);
  assert.deepEqual(got, [1, 10, 2]);
  assert.equal(s.listenerCount("tick"), 0);
  for (let i = 0; i < 1000; i++) s.on("tick", listener)();
  assert.equal(s.listenerCount("tick"), 0, "adding and removing 1000 times leaves nothing behind");
  s.on("tick", listener);
  s.off("tick", listener);
  assert.equal(s.listenerCount("tick"), 0);
});

test("a throwing listener does not stop the others; its error is rethrown on a fresh task", () => {
  const s = new Source();
  const got: number[] = [];
  s.on("tick", () => {
    throw new Error("boom");
  });
  s.on("tick", (n) => got.push(n));
  const deferred: Array<() => void> = [];
  const timer = mock.method(globalThis, "setTimeout", ((fn: () => void) => {
    deferred.push(fn);
    return 0;
  }) as unknown as typeof setTimeout);
  try {
    s.fire(7);
  } finally {
    timer.mock.restore();
  }
  assert.deepEqual(got, [7]);
  assert.equal(deferred.length, 1);
  assert.throws(() => deferred[0]?.(), /boom/);
});
