/** `POST /api/publish` and `POST /api/publish/batch`. */
import { HeraldError, type HeraldEvent } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { PublishRequest } from "../engine/broker.js";
import { traceparentHeader } from "../tracing/tracing.js";
import type { Guard } from "./auth.js";
import { toErrorBody } from "./errors.js";

export const publishItemSchema = {
  type: "object",
  required: ["topic", "data"],
  additionalProperties: false,
  properties: {
    topic: { type: "string", minLength: 1, maxLength: 255 },
    event: { type: "string", minLength: 1, maxLength: 128 },
    data: {},
    id: { type: "string", minLength: 1, maxLength: 128 },
    source: { type: "string", maxLength: 256 },
    sig: { type: "string", maxLength: 4096 },
    publisher: { type: "string", minLength: 1, maxLength: 256 },
    kid: { type: "string", minLength: 1, maxLength: 256 },
  },
} as const;

export function publishResult(event: HeraldEvent, duplicate: boolean) {
  return {
    id: event.id,
    topic: event.topic,
    seq: event.seq,
    epoch: event.epoch,
    offset: event.offset,
    timestamp: event.timestamp,
    duplicate,
  };
}

export function registerPublishRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard): void {
  app.post<{ Body: PublishRequest }>(
    "/api/publish",
    { schema: { body: publishItemSchema }, preHandler: guard },
    async (req) => {
      const traceparent = traceparentHeader(req.headers.traceparent);
      const request = traceparent === undefined ? req.body : { ...req.body, traceparent };
      const { event, duplicate, routed } = await core.publish(request, { origin: "api" });
      const result = publishResult(event, duplicate);
      // A routing stage fanned the event out: the other events it became.
      return routed === undefined
        ? result
        : { ...result, routed: routed.map((r) => publishResult(r.event, r.duplicate)) };
    },
  );

  app.post<{ Body: { events: PublishRequest[] } }>(
    "/api/publish/batch",
    {
      schema: {
        body: {
          type: "object",
          required: ["events"],
          additionalProperties: false,
          properties: { events: { type: "array", minItems: 1, items: publishItemSchema } },
        },
      },
      preHandler: guard,
    },
    async (req) => {
      const { events } = req.body;
      const max = core.config.limits.maxBatchSize;
      if (events.length > max) throw new HeraldError("too_many_items", `a batch holds at most ${max} events`);
      // Every item is checked before any is published: a bad name rejects the whole batch.
      events.forEach((e, i) => {
        try {
          core.checkTopic(e.topic);
        } catch (err) {
          throw new HeraldError("invalid_topic", `events[${i}]: ${(err as Error).message}`);
        }
      });
      const results = [];
      const traceparent = traceparentHeader(req.headers.traceparent);
      for (const item of events) {
        try {
          const request = traceparent === undefined ? item : { ...item, traceparent };
          const { event, duplicate } = await core.publish(request, { origin: "api" });
          results.push(publishResult(event, duplicate));
        } catch (err) {
          const { code, error } = toErrorBody(err);
          results.push({ topic: item.topic, code, error });
        }
      }
      return { results };
    },
  );
}
