import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { describe, it } from "node:test";
import type { HeraldError } from "@herald/protocol";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import type { PublishRequest } from "../engine/broker.js";
import { KeyRegistry, type PublisherKey } from "./publisher-keys.js";
import { signedPayload, VerifyStage } from "./verify.js";

function ed25519Key(publisher: string, kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "jwk" }).x as string;
  const key: PublisherKey = {
    publisher,
    kid,
    alg: "ed25519",
    publicKey: Buffer.from(raw, "base64url").toString("base64"),
  };
  const signer = (r: PublishRequest) => sign(null, signedPayload(r), privateKey).toString("base64");
  return { key, signer };
}

function secpKey(publisher: string, kid: string) {
  const secret = secp256k1.utils.randomSecretKey();
  const key: PublisherKey = {
    publisher,
    kid,
    alg: "secp256k1",
    publicKey: Buffer.from(secp256k1.getPublicKey(secret)).toString("hex"),
  };
  const signer = (r: PublishRequest) => Buffer.from(secp256k1.sign(signedPayload(r), secret)).toString("base64");
  return { key, signer };
}

const base = (over: Partial<PublishRequest> = {}): PublishRequest => ({
  topic: "crawler.news",
  event: "content_update",
  data: { hash: "bafy", n: 1 },
  publisher: "crawler-1",
  kid: "k1",
  ...over,
});

describe("verify stage", () => {
  for (const make of [ed25519Key, secpKey]) {
    const { key, signer } = make("crawler-1", "k1");
    it(`${key.alg}: a good signature verifies and marks provenance`, () => {
      const stage = new VerifyStage({ stage: "verify", mode: "require" }, new KeyRegistry([key]));
      const r = base();
      const out = stage.run({ ...r, sig: signer(r) });
      assert.equal(out.verified, true);
      assert.equal(out.kid, "k1");
      assert.equal(out.publisher, "crawler-1");
    });

    it(`${key.alg}: property — any change to the signed payload fails verification`, () => {
      const stage = new VerifyStage({ stage: "verify", mode: "require" }, new KeyRegistry([key]));
      fc.assert(
        fc.property(
          fc.jsonValue(),
          fc.constantFrom("topic", "event", "data", "id", "publisher"),
          fc.string({ minLength: 1, maxLength: 8 }),
          (data, field, change) => {
            const r = base({ data, id: "id-1" });
            const sig = signer(r);
            const tampered: PublishRequest = { ...r, sig };
            switch (field) {
              case "topic":
                tampered.topic = `${r.topic}.x${change.replace(/[^a-z]/gi, "a")}`;
                break;
              case "event":
                tampered.event = `${r.event}${change}`;
                break;
              case "data":
                tampered.data = { was: data, change };
                break;
              case "id":
                tampered.id = `${r.id}${change}`;
                break;
              case "publisher":
                tampered.publisher = `${r.publisher}${change}`;
                break;
            }
            assert.throws(() => stage.run(tampered), { code: "bad_signature" });
            assert.equal(stage.run({ ...r, sig }).verified, true, "the untouched event still verifies");
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("require: refuses unsigned, unknown publisher, unknown kid and bad signatures with bad_signature", () => {
    const { key, signer } = ed25519Key("crawler-1", "k1");
    const stage = new VerifyStage({ stage: "verify" }, new KeyRegistry([key]));
    const r = base();
    const cases: Array<[PublishRequest, RegExp]> = [
      [r, /not signed/],
      [{ ...base({ publisher: "other" }), sig: signer(r) }, /unknown or expired key/],
      [{ ...base({ kid: "k2" }), sig: signer(r) }, /unknown or expired key "k2"/],
      [{ ...r, sig: "AAAA" }, /does not verify/],
    ];
    for (const [req, message] of cases) {
      assert.throws(
        () => stage.run(req),
        (err: HeraldError) => err.code === "bad_signature" && message.test(err.message),
      );
    }
  });

  it("mark: delivers failures with verified:false; off: leaves the event alone", () => {
    const { key } = ed25519Key("crawler-1", "k1");
    const marked = new VerifyStage({ stage: "verify", mode: "mark" }, new KeyRegistry([key])).run(
      base({ sig: "AAAA" }),
    );
    assert.equal(marked.verified, false);
    const r = base();
    assert.equal(new VerifyStage({ stage: "verify", mode: "off" }, new KeyRegistry([key])).run(r), r);
  });

  it("rotation: both kids verify while both are registered; an expired or removed key no longer does", async () => {
    const old = ed25519Key("crawler-1", "k1");
    const next = ed25519Key("crawler-1", "k2");
    let now = 1000;
    const registry = new KeyRegistry([{ ...old.key, notAfter: new Date(2000).toISOString() }], undefined, () => now);
    await registry.put(next.key);
    const stage = new VerifyStage({ stage: "verify" }, registry);
    const r1 = base({ kid: "k1" });
    const r2 = base({ kid: "k2" });
    assert.equal(stage.run({ ...r1, sig: old.signer(r1) }).kid, "k1");
    assert.equal(stage.run({ ...r2, sig: next.signer(r2) }).kid, "k2");
    now = 2000;
    assert.throws(() => stage.run({ ...r1, sig: old.signer(r1) }), { code: "bad_signature" });
    assert.equal(await registry.remove("crawler-1", "k2"), true);
    assert.throws(() => stage.run({ ...r2, sig: next.signer(r2) }), { code: "bad_signature" });
  });

  it("refuses a key that cannot be used, naming it", () => {
    assert.throws(
      () => new KeyRegistry([{ publisher: "p", kid: "k", alg: "secp256k1", publicKey: "abcd" }]),
      /key p\/k: a secp256k1 key is 33 or 65 bytes/,
    );
  });
});
