/**
 * Alert rule routes (API key): `GET /api/alerts`, `POST /api/alerts`, `GET /api/alerts/:id`
 * (with its state), `PUT /api/alerts/:id`, `DELETE /api/alerts/:id`, and
 * `GET /api/alerts/dead-letters` (webhook deliveries that failed every attempt). See docs/alerts.md.
 */
import type { FastifyInstance } from "fastify";
import type { Alerts } from "../compute/alerts/alerts.js";
import { CONDITIONS, SEVERITIES } from "../compute/alerts/rule.js";
import type { DeadLetterStore } from "../pipeline/dead-letter.js";
import type { Guard } from "./auth.js";
import { anyObject, errors } from "./compute-schemas.js";

const duration = {
  anyOf: [
    { type: "integer", minimum: 1 },
    { type: "string", maxLength: 32 },
  ],
} as const;
const idParam = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const ruleSchema = {
  type: "object",
  required: ["id", "field", "condition", "threshold", "channel"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
    type: { type: "string", maxLength: 64 },
    topic: { type: "string", minLength: 1, maxLength: 255 },
    aggregation: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
    field: { type: "string", minLength: 1, maxLength: 256 },
    filter: { type: "object" },
    condition: { enum: [...CONDITIONS] },
    threshold: { anyOf: [{ type: "number" }, { type: "string", maxLength: 1024 }, { type: "boolean" }] },
    resolveThreshold: { type: "number" },
    for: duration,
    cooldown: duration,
    channel: { type: "string", minLength: 1, maxLength: 255 },
    notify: { type: "array", maxItems: 1000, items: { type: "string", minLength: 1, maxLength: 128 } },
    webhook: {
      type: "object",
      required: ["url", "secret"],
      additionalProperties: false,
      properties: {
        url: { type: "string", maxLength: 2048 },
        secret: { type: "string", minLength: 16, maxLength: 512 },
      },
    },
    severity: { enum: [...SEVERITIES] },
    enabled: { type: "boolean" },
  },
} as const;

export function registerAlertRoutes(
  app: FastifyInstance,
  guard: Guard,
  alerts: Alerts,
  deadLetters: DeadLetterStore,
): void {
  app.get(
    "/api/alerts",
    {
      schema: {
        response: { 200: { type: "object", properties: { rules: { type: "array", items: anyObject } } }, ...errors },
      },
      preHandler: guard,
    },
    async () => ({ rules: alerts.list() }),
  );

  app.post(
    "/api/alerts",
    { schema: { body: ruleSchema, response: { 201: anyObject, ...errors } }, preHandler: guard },
    async (req, reply) => {
      const view = await alerts.create(req.body);
      reply.status(201);
      return view;
    },
  );

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    "/api/alerts/dead-letters",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            after: { type: "string", maxLength: 64 },
            limit: { type: "string", pattern: "^[1-9]\\d{0,3}$" },
          },
        },
        response: {
          200: { type: "object", properties: { deadLetters: { type: "array", items: anyObject } } },
          ...errors,
        },
      },
      preHandler: guard,
    },
    async (req) => {
      const query: { limit: number; after?: string } = { limit: Math.min(Number(req.query.limit ?? 100), 1000) };
      if (req.query.after !== undefined) query.after = req.query.after;
      const all = await deadLetters.list(query);
      return { deadLetters: all.filter((d) => d.stage === "webhook") };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/alerts/:id",
    { schema: { params: idParam, response: { 200: anyObject, ...errors } }, preHandler: guard },
    async (req) => alerts.view(req.params.id),
  );

  app.put<{ Params: { id: string } }>(
    "/api/alerts/:id",
    { schema: { params: idParam, body: ruleSchema, response: { 200: anyObject, ...errors } }, preHandler: guard },
    async (req) => alerts.replace(req.params.id, req.body),
  );

  app.delete<{ Params: { id: string } }>(
    "/api/alerts/:id",
    { schema: { params: idParam, response: { 204: { type: "null" }, ...errors } }, preHandler: guard },
    async (req, reply) => {
      await alerts.remove(req.params.id);
      reply.status(204).send();
    },
  );
}
