/**
 * The registry of publisher keys the `verify` stage checks signatures with, by publisher id and
 * key id (`kid`). Keys come from configuration (`publisherKeys.keys`), a JSON file
 * (`publisherKeys.file`, read at start) and the admin API (`/api/publisher-keys`, kept in a
 * `PublisherKeyStore`). Rotation: a publisher may hold several keys at once, each with its own
 * `kid`; a signed event names the `kid` it was signed with, and an old key stays valid until it
 * is removed or its `notAfter` has passed.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

export type SignatureAlgorithm = "ed25519" | "secp256k1";

/** One publisher key as configured or stored. */
export interface PublisherKey {
  publisher: string;
  kid: string;
  alg: SignatureAlgorithm;
  /** Public key: ed25519 as raw 32 bytes (base64 or hex) or PEM; secp256k1 as 33/65 bytes SEC1 (base64 or hex). */
  publicKey: string;
  /** ISO time after which signatures with this key are refused (end of a rotation). */
  notAfter?: string;
}

/** A key ready to verify with. */
export interface LoadedKey extends PublisherKey {
  ed25519?: KeyObject;
  secp256k1?: Uint8Array;
  expiresAt?: number;
}

/** Where keys added through the admin API are kept. */
export interface PublisherKeyStore {
  list(): Promise<PublisherKey[]>;
  put(key: PublisherKey): Promise<void>;
  /** Resolves to whether the key existed. */
  remove(publisher: string, kid: string): Promise<boolean>;
}

/** Keys in memory (the default store: admin-API keys last until restart). */
export class MemoryPublisherKeyStore implements PublisherKeyStore {
  private readonly keys = new Map<string, PublisherKey>();
  async list(): Promise<PublisherKey[]> {
    return [...this.keys.values()];
  }
  async put(key: PublisherKey): Promise<void> {
    this.keys.set(`${key.publisher}\n${key.kid}`, key);
  }
  async remove(publisher: string, kid: string): Promise<boolean> {
    return this.keys.delete(`${publisher}\n${kid}`);
  }
}

/** Decodes hex or base64 / base64url. */
export function decodeBytes(text: string): Uint8Array {
  const t = text.trim();
  if (/^(?:[0-9a-fA-F]{2})+$/.test(t)) return Uint8Array.from(Buffer.from(t, "hex"));
  return Uint8Array.from(Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
}

/** Parses a key; throws an `Error` saying what is wrong with it. */
export function loadKey(key: PublisherKey): LoadedKey {
  if (typeof key.publisher !== "string" || key.publisher.length === 0) throw new Error("a key needs a publisher id");
  if (typeof key.kid !== "string" || key.kid.length === 0) throw new Error(`key of ${key.publisher} needs a kid`);
  const where = `key ${key.publisher}/${key.kid}`;
  const out: LoadedKey = { ...key };
  if (key.notAfter !== undefined) {
    const t = Date.parse(key.notAfter);
    if (Number.isNaN(t)) throw new Error(`${where}: notAfter is not an ISO time`);
    out.expiresAt = t;
  }
  if (key.alg === "ed25519") {
    try {
      out.ed25519 = key.publicKey.includes("BEGIN")
        ? createPublicKey(key.publicKey)
        : createPublicKey({
            key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(decodeBytes(key.publicKey)).toString("base64url") },
            format: "jwk",
          });
    } catch (err) {
      throw new Error(`${where}: not an ed25519 public key (${(err as Error).message})`);
    }
    if (out.ed25519.asymmetricKeyType !== "ed25519") throw new Error(`${where}: not an ed25519 public key`);
  } else if (key.alg === "secp256k1") {
    const bytes = decodeBytes(key.publicKey);
    if (bytes.length !== 33 && bytes.length !== 65) throw new Error(`${where}: a secp256k1 key is 33 or 65 bytes`);
    out.secp256k1 = bytes;
  } else {
    throw new Error(`${where}: alg must be ed25519 or secp256k1`);
  }
  return out;
}

/** Reads a JSON file holding a list of keys (or `{keys: [...]}`). */
export function readKeyFile(path: string): PublisherKey[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read publisher key file ${path}: ${(err as Error).message}`);
  }
  const list = Array.isArray(value) ? value : (value as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error(`publisher key file ${path} must hold a list of keys`);
  return list as PublisherKey[];
}

export class KeyRegistry {
  private readonly fixed = new Map<string, LoadedKey>();
  private readonly stored = new Map<string, LoadedKey>();

  /** @param keys from configuration and file, loaded at once (a bad key fails the start) */
  constructor(
    keys: readonly PublisherKey[],
    private readonly store: PublisherKeyStore = new MemoryPublisherKeyStore(),
    private readonly now: () => number = Date.now,
  ) {
    for (const k of keys) this.fixed.set(`${k.publisher}\n${k.kid}`, loadKey(k));
  }

  /** Loads the keys kept in the store (call once at start). */
  async start(): Promise<void> {
    for (const k of await this.store.list()) this.stored.set(`${k.publisher}\n${k.kid}`, loadKey(k));
  }

  /**
   * The key a signature names: by `kid`, or — without one — the publisher's only key. Expired
   * keys are not returned.
   */
  find(publisher: string, kid: string | undefined): LoadedKey | undefined {
    let key: LoadedKey | undefined;
    if (kid !== undefined) key = this.fixed.get(`${publisher}\n${kid}`) ?? this.stored.get(`${publisher}\n${kid}`);
    else {
      const own = this.list().filter((k) => k.publisher === publisher);
      if (own.length === 1) key = own[0];
    }
    if (key?.expiresAt !== undefined && key.expiresAt <= this.now()) return undefined;
    return key;
  }

  /** Every key (configured and stored). */
  list(): LoadedKey[] {
    return [...this.fixed.values(), ...this.stored.values()];
  }

  /** Adds or replaces a key through the admin API; throws an `Error` when it cannot be used. */
  async put(key: PublisherKey): Promise<void> {
    const loaded = loadKey(key);
    await this.store.put(key);
    this.stored.set(`${key.publisher}\n${key.kid}`, loaded);
  }

  /** Removes a key added through the admin API (configured keys are removed in configuration). */
  async remove(publisher: string, kid: string): Promise<boolean> {
    const existed = await this.store.remove(publisher, kid);
    return this.stored.delete(`${publisher}\n${kid}`) || existed;
  }
}
