/**
 * Aggregation routes (API key): `GET /api/aggregations`, `POST /api/aggregations`,
 * `GET /api/aggregations/:name` (definition and in-progress window), `DELETE
 * /api/aggregations/:name`, `GET /api/aggregations/:name/series?from&to&limit` (window
 * history, oldest first). See docs/aggregations.md.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { Aggregations } from "../compute/aggregations.js";
import { AGGREGATE_OPS } from "../compute/partial.js";
import type { Guard } from "./auth.js";
import { anyObject, errors, nameParam } from "./compute-schemas.js";

/** Largest page of `series`. */
const MAX_POINTS = 10_000;

const duration = {
  anyOf: [
    { type: "integer", minimum: 1 },
    { type: "string", maxLength: 32 },
  ],
} as const;

const specSchema = {
  type: "object",
  required: ["name", "topic", "window"],
  additionalProperties: false,
  properties: {
    name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
    topic: { type: "string", minLength: 1, maxLength: 255 },
    filter: { type: "object" },
    field: { type: "string", minLength: 1, maxLength: 256 },
    ops: { type: "array", minItems: 1, maxItems: AGGREGATE_OPS.length, items: { enum: [...AGGREGATE_OPS] } },
    window: duration,
    slide: duration,
    groupBy: { type: "string", minLength: 1, maxLength: 256 },
    output: { type: "string", minLength: 1, maxLength: 255 },
  },
} as const;

export function registerAggregationRoutes(app: FastifyInstance, guard: Guard, aggregations: Aggregations): void {
  app.get(
    "/api/aggregations",
    {
      schema: {
        response: {
          200: { type: "object", properties: { aggregations: { type: "array", items: anyObject } } },
          ...errors,
        },
      },
      preHandler: guard,
    },
    async () => ({ aggregations: aggregations.list() }),
  );

  app.post(
    "/api/aggregations",
    { schema: { body: specSchema, response: { 201: anyObject, ...errors } }, preHandler: guard },
    async (req, reply) => {
      const view = await aggregations.create(req.body);
      reply.status(201);
      return view;
    },
  );

  app.get<{ Params: { name: string } }>(
    "/api/aggregations/:name",
    { schema: { params: nameParam, response: { 200: anyObject, ...errors } }, preHandler: guard },
    async (req) => aggregations.view(req.params.name),
  );

  app.delete<{ Params: { name: string } }>(
    "/api/aggregations/:name",
    { schema: { params: nameParam, response: { 204: { type: "null" }, ...errors } }, preHandler: guard },
    async (req, reply) => {
      await aggregations.remove(req.params.name);
      reply.status(204).send();
    },
  );

  app.get<{ Params: { name: string }; Querystring: { from?: string; to?: string; limit?: string } }>(
    "/api/aggregations/:name/series",
    {
      schema: {
        params: nameParam,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            from: { type: "string", pattern: "^\\d{1,16}$" },
            to: { type: "string", pattern: "^\\d{1,16}$" },
            limit: { type: "string", pattern: "^[1-9]\\d{0,5}$" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { name: { type: "string" }, points: { type: "array", items: anyObject } },
          },
          ...errors,
        },
      },
      preHandler: guard,
    },
    async (req) => {
      const from = req.query.from === undefined ? 0 : Number(req.query.from);
      const to = req.query.to === undefined ? Number.MAX_SAFE_INTEGER : Number(req.query.to);
      if (from > to) throw new HeraldError("bad_request", '"from" must not be after "to"');
      const limit = Math.min(req.query.limit === undefined ? 1000 : Number(req.query.limit), MAX_POINTS);
      return { name: req.params.name, points: await aggregations.series(req.params.name, from, to, limit) };
    },
  );
}
