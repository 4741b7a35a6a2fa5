/**
 * HTTP webhook connector: sources push to `POST /api/ingest/{name}` (route in `api/ingest.ts`).
 * A request is accepted only with a valid HMAC-SHA256 signature over `{timestamp}.{body}` and
 * a timestamp within `toleranceSeconds`; a signature already accepted within that window is a
 * replay and is refused. The answer comes after the pipeline kept the event (published,
 * duplicate, dead-lettered); a 503 means nothing was kept and the sender should retry.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { HeraldError } from "@herald/protocol";
import { LRUCache } from "lru-cache";
import { parseJson } from "../json.js";
import type { IngestResult } from "../pipeline/ingest.js";
import type { ConnectorConfig } from "./connector-config.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector } from "./source.js";

/** `options` of a `webhook` connector. */
export interface WebhookOptions {
  /** Shared secret(s) for HMAC-SHA256; several allow rotation. At least 16 characters. */
  secret: string | string[];
  /** Header carrying `sha256=<hex>`. @default "x-herald-signature" */
  signatureHeader: string;
  /** Header carrying the Unix time in seconds that was signed. @default "x-herald-timestamp" */
  timestampHeader: string;
  /** Optional header with the sender's delivery id: the event id becomes `{name}:{id}`, so a retried delivery is a duplicate. @default "x-herald-id" */
  idHeader: string;
  /** Largest allowed distance between the signed timestamp and now, seconds. @default 300 */
  toleranceSeconds: number;
  /** Signatures remembered for replay protection (within the tolerance window). @default 100000 */
  replayCacheSize: number;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["secret"],
  properties: {
    secret: {
      oneOf: [
        { type: "string", minLength: 16 },
        { type: "array", minItems: 1, items: { type: "string", minLength: 16 } },
      ],
    },
    signatureHeader: { type: "string", minLength: 1, default: "x-herald-signature" },
    timestampHeader: { type: "string", minLength: 1, default: "x-herald-timestamp" },
    idHeader: { type: "string", minLength: 1, default: "x-herald-id" },
    toleranceSeconds: { type: "integer", minimum: 1, maximum: 86_400, default: 300 },
    replayCacheSize: { type: "integer", minimum: 1, maximum: 10_000_000, default: 100_000 },
  },
};

/** Signs a webhook body the way this connector verifies it: `sha256=` + hex HMAC of `{timestamp}.{body}`. */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class WebhookConnector extends SourceConnector {
  readonly type = "webhook";
  private readonly options: WebhookOptions;
  private readonly secrets: string[];
  private readonly seen: LRUCache<string, true>;

  constructor(
    config: ConnectorConfig,
    deps: ConnectorDeps,
    private readonly maxJsonDepth = 32,
  ) {
    super(config, deps, "webhook.{name}");
    this.options = checkOptions<WebhookOptions>(config.name, schema, config.options);
    this.secrets = Array.isArray(this.options.secret) ? this.options.secret : [this.options.secret];
    this.seen = new LRUCache({ max: this.options.replayCacheSize, ttl: this.options.toleranceSeconds * 2000 });
  }

  protected async connect(): Promise<void> {}
  protected async disconnect(): Promise<void> {}

  /** Verifies, parses and offers one request body; resolves once the pipeline kept it. */
  async receive(body: Buffer, headers: Headers, now = Date.now()): Promise<IngestResult> {
    if (this.stopped || this.health().state !== "running") {
      throw new HeraldError("unavailable", `webhook "${this.name}" is not running`);
    }
    const signature = this.verify(body, headers, now);
    if (this.seen.has(signature)) throw new HeraldError("replayed");
    if (this.inFlight >= this.config.maxInFlight) {
      throw new HeraldError("rate_limited", `webhook "${this.name}" has ${this.inFlight} deliveries in flight`);
    }
    const data = parseJson(body.toString("utf8"), this.maxJsonDepth);
    const id = header(headers, this.options.idHeader);
    const sourceId = id === undefined || id === "" ? undefined : id.slice(0, 200);
    // Claimed before the offer (two concurrent copies cannot both pass), released when
    // nothing was kept so that the sender's retry after a 503 is still accepted.
    this.seen.set(signature, true);
    try {
      return await this.offer(
        { key: sourceId ?? signature, data, fields: { headers }, ...(sourceId === undefined ? {} : { sourceId }) },
        { retry: false },
      );
    } catch (err) {
      this.seen.delete(signature);
      throw err;
    }
  }

  private verify(body: Buffer, headers: Headers, now: number): string {
    const timestamp = header(headers, this.options.timestampHeader);
    const signature = header(headers, this.options.signatureHeader);
    if (timestamp === undefined || signature === undefined) {
      throw new HeraldError(
        "invalid_signature",
        `missing ${this.options.timestampHeader} or ${this.options.signatureHeader} header`,
      );
    }
    const ts = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!Number.isFinite(ts) || Math.abs(now / 1000 - ts) > this.options.toleranceSeconds) {
      throw new HeraldError("invalid_signature", `timestamp outside ${this.options.toleranceSeconds} s of server time`);
    }
    const given = Buffer.from(signature);
    for (const secret of this.secrets) {
      const expected = Buffer.from(signWebhook(secret, ts, body));
      if (expected.length === given.length && timingSafeEqual(expected, given)) return signature;
    }
    throw new HeraldError("invalid_signature", "the signature does not match the body");
  }
}

/** Builds a `webhook` connector. */
export function createWebhookConnector(config: ConnectorConfig, deps: ConnectorDeps): WebhookConnector {
  return new WebhookConnector(config, deps, deps.maxJsonDepth);
}
