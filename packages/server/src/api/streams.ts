/**
 * Analysis session routes, as the verification product specified them, under
 * `streams.prefix` (default `/api/v1/stream`): `POST start`, `POST chunk/:id`, `POST stop/:id`,
 * `GET status/:id`. The caller is the user of the bearer token (`Authorization: Bearer <jwt>`);
 * a session is visible only to its owner. See docs/streams.md.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { StreamsConfig } from "../compute/compute-config.js";
import type { GatewayCore } from "../core.js";
import type { StreamSession, StreamSessions } from "../streams/sessions.js";
import type { Guard } from "./auth.js";
import { anyObject, errors } from "./compute-schemas.js";

const idParam = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
} as const;

const sessionSchema = {
  type: "object",
  properties: {
    stream_id: { type: "string" },
    status: { type: "string" },
    content_type: { type: "string" },
    chunks: { type: "integer" },
    created_at: { type: "integer" },
    updated_at: { type: "integer" },
    topic: { type: "string" },
    initial_data: {},
    partial: {},
    result: {},
  },
} as const;

/** The user of a request: the subject of its bearer token. */
async function userOf(core: GatewayCore, req: FastifyRequest): Promise<string> {
  const auth = req.headers.authorization;
  if (typeof auth !== "string" || !auth.toLowerCase().startsWith("bearer ")) {
    throw new HeraldError("unauthorized", "a user token is required (Authorization: Bearer <token>)");
  }
  const principal = await core.authenticator.authenticate(auth.slice(7).trim());
  if (principal.anonymous || principal.user === "") throw new HeraldError("unauthorized", "a user token is required");
  return principal.user;
}

function view(s: StreamSession) {
  const { state: _state, owner: _owner, ...shown } = s;
  return shown;
}

export function registerStreamRoutes(
  app: FastifyInstance,
  core: GatewayCore,
  config: StreamsConfig,
  sessions: StreamSessions,
  guard: Guard,
): void {
  const p = config.prefix;

  // Operators (API key or admin token): the sessions active on this node, for the dashboard.
  app.get(
    `${p}/sessions`,
    {
      schema: {
        response: {
          200: {
            type: "object",
            required: ["sessions"],
            properties: {
              sessions: {
                type: "array",
                items: { ...sessionSchema, properties: { ...sessionSchema.properties, owner: { type: "string" } } },
              },
            },
          },
          ...errors,
        },
      },
      preHandler: guard,
    },
    async () => ({ sessions: sessions.list().map((s) => ({ ...view(s), owner: s.owner })) }),
  );

  app.post<{ Body: { content_type: string; initial_data?: unknown; user_id?: string | number } }>(
    `${p}/start`,
    {
      schema: {
        body: {
          type: "object",
          required: ["content_type"],
          additionalProperties: false,
          properties: {
            content_type: { type: "string", minLength: 1, maxLength: 64 },
            initial_data: { type: "object" },
            user_id: { anyOf: [{ type: "string", maxLength: 128 }, { type: "integer" }] },
          },
        },
        response: { 201: sessionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const user = await userOf(core, req);
      // The product's clients send user_id; the owner is the token's subject, so a different id is refused.
      if (req.body.user_id !== undefined && String(req.body.user_id) !== user) {
        throw new HeraldError("forbidden", '"user_id" must be the token\'s user');
      }
      const s = await sessions.open(user, req.body.content_type, req.body.initial_data ?? {});
      reply.status(201);
      return view(s);
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    `${p}/chunk/:id`,
    {
      bodyLimit: config.maxChunkBytes,
      schema: {
        params: idParam,
        body: {
          type: "object",
          properties: { chunk_id: { anyOf: [{ type: "string", minLength: 1, maxLength: 128 }, { type: "integer" }] } },
          additionalProperties: true,
        },
        response: { 200: anyObject, ...errors },
      },
    },
    async (req) => sessions.chunk(await userOf(core, req), req.params.id, req.body),
  );

  app.post<{ Params: { id: string } }>(
    `${p}/stop/:id`,
    { schema: { params: idParam, response: { 200: sessionSchema, ...errors } } },
    async (req) => view(await sessions.stop(await userOf(core, req), req.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    `${p}/status/:id`,
    { schema: { params: idParam, response: { 200: sessionSchema, ...errors } } },
    async (req) => view(await sessions.status(await userOf(core, req), req.params.id)),
  );
}
