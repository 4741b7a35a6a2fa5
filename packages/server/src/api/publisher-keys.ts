/**
 * The publisher key registry over HTTP (admin, API key): `GET /api/publisher-keys`, `PUT
 * /api/publisher-keys/:publisher/:kid` (add or rotate in a key), `DELETE
 * /api/publisher-keys/:publisher/:kid` (retire one). Keys from configuration are listed but
 * changed only in configuration.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { KeyRegistry, SignatureAlgorithm } from "../pipeline/publisher-keys.js";
import type { Guard } from "./auth.js";

const errorBody = {
  type: "object",
  properties: { code: { type: "string" }, error: { type: "string" } },
} as const;

const keySchema = {
  type: "object",
  properties: {
    publisher: { type: "string" },
    kid: { type: "string" },
    alg: { type: "string" },
    publicKey: { type: "string" },
    notAfter: { type: "string" },
  },
} as const;

const params = {
  type: "object",
  required: ["publisher", "kid"],
  properties: {
    publisher: { type: "string", minLength: 1, maxLength: 256 },
    kid: { type: "string", minLength: 1, maxLength: 256 },
  },
} as const;

export function registerPublisherKeyRoutes(app: FastifyInstance, keys: KeyRegistry, guard: Guard): void {
  app.get(
    "/api/publisher-keys",
    {
      preHandler: guard,
      schema: {
        response: {
          200: { type: "object", properties: { keys: { type: "array", items: keySchema } } },
          "4xx": errorBody,
        },
      },
    },
    async () => ({
      keys: keys.list().map(({ publisher, kid, alg, publicKey, notAfter }) => ({
        publisher,
        kid,
        alg,
        publicKey,
        ...(notAfter !== undefined && { notAfter }),
      })),
    }),
  );

  app.put<{
    Params: { publisher: string; kid: string };
    Body: { alg: SignatureAlgorithm; publicKey: string; notAfter?: string };
  }>(
    "/api/publisher-keys/:publisher/:kid",
    {
      preHandler: guard,
      schema: {
        params,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["alg", "publicKey"],
          properties: {
            alg: { enum: ["ed25519", "secp256k1"] },
            publicKey: { type: "string", minLength: 1, maxLength: 4096 },
            notAfter: { type: "string", minLength: 1, maxLength: 64 },
          },
        },
        response: { 200: keySchema, "4xx": errorBody },
      },
    },
    async (req) => {
      const key = { ...req.params, ...req.body };
      try {
        await keys.put(key);
      } catch (err) {
        throw new HeraldError("bad_request", (err as Error).message);
      }
      return key;
    },
  );

  app.delete<{ Params: { publisher: string; kid: string } }>(
    "/api/publisher-keys/:publisher/:kid",
    {
      preHandler: guard,
      schema: {
        params,
        response: { 200: { type: "object", properties: { removed: { type: "boolean" } } }, "4xx": errorBody },
      },
    },
    async (req) => {
      const removed = await keys.remove(req.params.publisher, req.params.kid);
      if (!removed)
        throw new HeraldError(
          "not_found",
          `no key "${req.params.kid}" of "${req.params.publisher}" was added through the API`,
        );
      return { removed };
    },
  );
}
