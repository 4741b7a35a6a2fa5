/**
 * `GET /api/dead-letters` (list, oldest first, paged by `after`) and `POST
 * /api/dead-letters/replay` (offer one, several or all entries to the publish path again, e.g.
 * after fixing a schema or adding a key). A replayed entry that is published (or found a
 * duplicate of a published event) is removed; one refused again stays, with the new refusal in
 * the answer.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { DeadLetter, DeadLetterStore } from "../pipeline/dead-letter.js";
import type { Guard } from "./auth.js";
import { toErrorBody } from "./errors.js";

const errorBody = {
  type: "object",
  properties: { code: { type: "string" }, error: { type: "string" } },
} as const;

const deadLetterSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    at: { type: "integer" },
    source: { type: "string" },
    stage: { type: "string" },
    code: { type: "string" },
    reason: { type: "string" },
    request: { type: "object", additionalProperties: true },
  },
} as const;

/** Most entries one list or one replay call handles. */
const MAX_PAGE = 1000;

export function registerDeadLetterRoutes(
  app: FastifyInstance,
  core: GatewayCore,
  store: DeadLetterStore,
  guard: Guard,
): void {
  app.get<{ Querystring: { after?: string; source?: string; limit?: string } }>(
    "/api/dead-letters",
    {
      preHandler: guard,
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            after: { type: "string", pattern: "^[0-9]{1,20}$" },
            source: { type: "string", minLength: 1, maxLength: 256 },
            // Query strings are not coerced (the API refuses what it does not understand): digits only.
            limit: { type: "string", pattern: "^[1-9][0-9]{0,3}$" },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { deadLetters: { type: "array", items: deadLetterSchema }, count: { type: "integer" } },
          },
          "4xx": errorBody,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const query: { after?: string; source?: string; limit: number } = {
        limit: Math.min(Number(q.limit ?? 100), MAX_PAGE),
      };
      if (q.after !== undefined) query.after = q.after;
      if (q.source !== undefined) query.source = q.source;
      return { deadLetters: await store.list(query), count: await store.count() };
    },
  );

  app.post<{ Body: { ids?: string[]; all?: boolean; source?: string } }>(
    "/api/dead-letters/replay",
    {
      preHandler: guard,
      schema: {
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            ids: {
              type: "array",
              minItems: 1,
              maxItems: MAX_PAGE,
              items: { type: "string", pattern: "^[0-9]{1,20}$" },
            },
            all: { type: "boolean" },
            source: { type: "string", minLength: 1, maxLength: 256 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              results: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    status: { enum: ["published", "duplicate", "refused", "not_found"] },
                    eventId: { type: "string" },
                    topic: { type: "string" },
                    code: { type: "string" },
                    error: { type: "string" },
                  },
                },
              },
            },
          },
          "4xx": errorBody,
        },
      },
    },
    async (req) => {
      const { ids, all, source } = req.body;
      if ((ids === undefined) === (all !== true)) {
        throw new HeraldError("bad_request", 'give either "ids" or "all": true');
      }
      let entries: Array<DeadLetter | { id: string; missing: true }>;
      if (ids !== undefined) {
        entries = await Promise.all(ids.map(async (id) => (await store.get(id)) ?? { id, missing: true as const }));
      } else {
        entries = await store.list({ limit: MAX_PAGE, ...(source !== undefined && { source }) });
      }
      const results = [];
      for (const entry of entries) {
        if ("missing" in entry) {
          results.push({ id: entry.id, status: "not_found" });
          continue;
        }
        try {
          const { event, duplicate } = await core.publish(entry.request, { origin: entry.source });
          await store.remove([entry.id]);
          results.push({
            id: entry.id,
            status: duplicate ? "duplicate" : "published",
            eventId: event.id,
            topic: event.topic,
          });
        } catch (err) {
          // An `onError: dead-letter` stage kept the event again: the original entry stays instead.
          const again = (err as HeraldError).details as { deadLetterId?: string } | undefined;
          if (again?.deadLetterId !== undefined) await store.remove([again.deadLetterId]);
          const { code, error } = toErrorBody(err);
          results.push({ id: entry.id, status: "refused", code, error });
        }
      }
      return { results };
    },
  );
}
