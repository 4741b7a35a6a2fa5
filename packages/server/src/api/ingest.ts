/**
 * `POST /api/ingest/{name}`: the entry of a `webhook` connector. No API key: the request is
 * authenticated by its HMAC signature (docs/connectors.md). The body is read raw, because the
 * signature covers the exact bytes.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { Connectors } from "../connectors/connectors.js";
import { WebhookConnector } from "../connectors/webhook.js";

const errorBody = {
  type: "object",
  required: ["code", "error"],
  properties: { code: { type: "string" }, error: { type: "string" } },
} as const;

export function registerIngestRoutes(app: FastifyInstance, connectors: Connectors): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { name: string } }>(
      "/api/ingest/:name",
      {
        schema: {
          params: {
            type: "object",
            required: ["name"],
            additionalProperties: false,
            properties: { name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
          },
          response: {
            200: {
              type: "object",
              required: ["status"],
              properties: {
                status: { enum: ["published", "duplicate", "dead-lettered"] },
                id: { type: "string" },
                topic: { type: "string" },
                seq: { type: "integer" },
                code: { type: "string" },
                reason: { type: "string" },
              },
            },
            "4xx": errorBody,
            "5xx": errorBody,
          },
        },
      },
      async (req) => {
        const connector = connectors.get(req.params.name);
        if (!(connector instanceof WebhookConnector)) {
          throw new HeraldError("not_found", `no webhook connector "${req.params.name}"`);
        }
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await connector.receive(body, req.headers);
        if (result.status === "dead-lettered")
          return { status: result.status, code: result.code, reason: result.reason };
        return { status: result.status, id: result.event.id, topic: result.event.topic, seq: result.event.seq };
      },
    );
  });
}
