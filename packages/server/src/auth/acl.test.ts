import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "../config.js";
import { Namespaces } from "../hub/namespaces.js";
import { NamespaceAcl } from "./acl.js";
import { ANONYMOUS, type Principal } from "./principal.js";

const config = resolveConfig({
  namespaces: [
    { prefix: "admin", acl: { subscribe: "admin", publish: "admin", history: "admin", presence: "admin" } },
    { prefix: "admin.open", acl: { subscribe: "anyone" } },
    { prefix: "team", acl: { subscribe: ["owner", { role: "lead" }], publish: "owner" } },
    { prefix: "paid", acl: { subscribe: { claim: "tier", values: ["gold", 3] }, presence: "authenticated" } },
    { prefix: "closed", acl: { subscribe: "nobody", publish: "nobody" }, clientPublish: true },
    { prefix: "feed", clientPublish: false },
  ],
});
const acl = new NamespaceAcl(new Namespaces(config.namespaces), config.auth);
const user = (sub: string, claims: Record<string, unknown> = {}): Principal => ({
  user: sub,
  anonymous: false,
  claims: { sub, ...claims },
});
const alice = user("alice");
const root = user("root", { roles: ["admin"] });

describe("NamespaceAcl", () => {
  it("applies anyone / authenticated / owner / admin / nobody / role / claim rules", () => {
    assert.ok(acl.canRead(ANONYMOUS, "news.today"));
    assert.equal(acl.canRead(alice, "admin.keys"), false);
    assert.ok(acl.canRead(root, "admin.keys"));
    assert.ok(acl.canRead(alice, "admin.open.notice"), "a deeper namespace overrides");
    assert.ok(acl.canRead(alice, "team.alice.tasks"));
    assert.equal(acl.canRead(alice, "team.bob.tasks"), false);
    assert.ok(acl.canRead(user("lee", { roles: "lead ops" }), "team.bob.tasks"), "roles as a string");
    assert.equal(acl.canRead(ANONYMOUS, "team.alice"), false);
    assert.ok(acl.canRead(user("g", { tier: "gold" }), "paid.x"));
    assert.ok(acl.canRead(user("n", { tier: 3 }), "paid.x"));
    assert.ok(acl.canRead(user("m", { tier: ["silver", "gold"] }), "paid.x"), "array claims: any value");
    assert.equal(acl.canRead(user("s", { tier: "silver" }), "paid.x"), false);
    assert.ok(acl.canPresence(alice, "paid.x"));
    assert.equal(acl.canPresence(ANONYMOUS, "paid.x"), false);
    assert.equal(acl.canRead(root, "closed.x"), false);
    assert.equal(acl.canPublish(root, "closed.x"), false);
  });

  it("keeps personal topics private and broadcast server-only, whatever the config", () => {
    assert.ok(acl.canRead(alice, "user.alice"));
    assert.ok(acl.canRead(alice, "user.alice.inbox"));
    assert.equal(acl.canRead(alice, "user.alicex"), false);
    assert.equal(acl.canRead(alice, "user.bob"), false);
    assert.equal(acl.canRead(ANONYMOUS, "user."), false);
    assert.equal(acl.canHistory(alice, "user.bob"), false);
    assert.equal(acl.canPublish(alice, "user.bob"), false);
    assert.ok(acl.canRead(root, "user.bob"), "admins may read");
    assert.equal(acl.canPublish(root, "broadcast"), false);
    assert.equal(acl.canPublish(alice, "feed.x"), false, "clientPublish: false");
  });

  it("refuses patterns that can only match forbidden topics, accepts the rest for filtering", () => {
    for (const p of ["user.bob.>", "user.bob.*", "team.bob.>", "admin.keys.*"]) {
      assert.equal(acl.canSubscribe(alice, p), false, p);
    }
    for (const p of [">", "*.*", "user.*", "user.alice.>", "team.*.tasks", "admin.>", "team.alice.>"]) {
      assert.ok(acl.canSubscribe(alice, p), p);
    }
    assert.equal(acl.canSubscribe(ANONYMOUS, "user.>"), false);
    assert.equal(acl.canSubscribe(ANONYMOUS, "team.*"), false);
    assert.equal(acl.canSubscribe(alice, "closed.>"), false);
  });

  it("decides per principal object: a refreshed token with new roles gets new decisions", () => {
    const before = user("pat", { roles: [] });
    const after = user("pat", { roles: ["admin"] });
    assert.equal(acl.canRead(before, "admin.keys"), false);
    assert.ok(acl.canRead(after, "admin.keys"));
    assert.equal(acl.canRead(before, "admin.keys"), false);
  });
});
