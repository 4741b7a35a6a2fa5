/**
 * The `verify` stage: publisher signatures over the event's canonical JSON (RFC 8785, JCS).
 *
 * The signed payload is the JCS form of `{topic, event, id?, data, publisher, kid?}` (`event`
 * defaults to `"message"`; `id` and `kid` only when the publisher sets them), UTF-8 encoded.
 * ed25519 signs it directly (node:crypto); secp256k1 signs its SHA-256 (a 64-byte compact
 * `r‖s`, low-S, via @noble/curves). `sig` is base64 (or base64url, or hex).
 *
 * Modes: `require` refuses an unsigned event, an unknown publisher or key, and a bad signature
 * with `bad_signature`; `mark` delivers them with `verified: false`; `off` does nothing. A
 * verified event carries `publisher`, `verified: true` and the `kid` that verified it.
 */
import { verify as verifyEd25519 } from "node:crypto";
import { HeraldError } from "@herald/protocol";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import canonicalize from "canonicalize";
import type { PublishRequest } from "../engine/broker.js";
import { decodeBytes, type KeyRegistry, type LoadedKey } from "./publisher-keys.js";
import type { Stage } from "./stage.js";

export interface VerifyOptions {
  stage: "verify";
  /** @default "require" */
  mode?: "require" | "mark" | "off";
}

/** The bytes a publisher signs for `request` (see the module comment). */
export function signedPayload(request: PublishRequest): Uint8Array {
  const body: Record<string, unknown> = {
    topic: request.topic,
    event: request.event ?? "message",
    data: request.data ?? null,
    publisher: request.publisher ?? null,
  };
  if (request.id !== undefined) body.id = request.id;
  if (request.kid !== undefined) body.kid = request.kid;
  return new TextEncoder().encode(canonicalize(body) as string);
}

/** Whether `sig` is a valid signature of `message` by `key`. Never throws. */
export function checkSignature(key: LoadedKey, message: Uint8Array, sig: string): boolean {
  try {
    const bytes = decodeBytes(sig);
    if (key.ed25519 !== undefined) return verifyEd25519(null, message, key.ed25519, bytes);
    if (key.secp256k1 !== undefined) return secp256k1.verify(bytes, message, key.secp256k1);
  } catch {
    // A malformed signature is a bad signature, not an internal error.
  }
  return false;
}

export class VerifyStage implements Stage {
  readonly name = "verify";
  private readonly mode: "require" | "mark" | "off";

  constructor(
    options: VerifyOptions,
    private readonly keys: KeyRegistry,
  ) {
    this.mode = options.mode ?? "require";
  }

  run(request: PublishRequest): PublishRequest {
    if (this.mode === "off") return request;
    const problem = this.problem(request);
    if (problem === undefined) {
      const key = this.keys.find(request.publisher as string, request.kid) as LoadedKey;
      return { ...request, verified: true, kid: key.kid };
    }
    if (this.mode === "require") throw new HeraldError("bad_signature", problem, { details: { stage: this.name } });
    return { ...request, verified: false };
  }

  /** Why the request does not verify, or undefined when it does. */
  private problem(request: PublishRequest): string | undefined {
    if (request.sig === undefined || request.publisher === undefined) {
      return "the event is not signed (sig and publisher are required)";
    }
    const key = this.keys.find(request.publisher, request.kid);
    if (key === undefined) {
      return request.kid === undefined
        ? `no single key known for publisher "${request.publisher}" (name the kid)`
        : `unknown or expired key "${request.kid}" of publisher "${request.publisher}"`;
    }
    if (!checkSignature(key, signedPayload(request), request.sig)) return "the signature does not verify";
    return undefined;
  }
}
