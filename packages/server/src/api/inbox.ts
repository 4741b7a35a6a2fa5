/**
 * Inbox routes. Servers (API key): `POST /api/users/:user/notifications` (one user) and
 * `POST /api/notifications` (`users: [...]` or `all: true`; to everyone, clients get one
 * `unread_changed` event on `broadcast`, not a count, since counts differ per user). Users (their own JWT as
 * `Authorization: Bearer <token>`): `GET /api/me/notifications`, `GET
 * /api/me/notifications/unread-count`, `POST /api/me/notifications/:id/read`, `POST
 * /api/me/notifications/read-all`. The user is always the token's subject: no route takes
 * a user id from a user.
 */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { GatewayCore } from "../core.js";
import { Inbox, PRIORITIES } from "../inbox/inbox.js";
import { EVERYONE, type NotificationInput } from "../store/inbox-store.js";
import type { Guard } from "./auth.js";

const notificationProperties = {
  title: { type: "string", minLength: 1, maxLength: 256 },
  message: { type: "string", maxLength: 8192 },
  type: { type: "string", minLength: 1, maxLength: 64 },
  priority: { enum: [...PRIORITIES] },
  actionUrl: { type: "string", minLength: 1, maxLength: 2048 },
  data: {},
} as const;

const oneSchema = {
  type: "object",
  required: ["title", "message"],
  additionalProperties: false,
  properties: notificationProperties,
} as const;

/** Most users one `POST /api/notifications` addresses. */
const MAX_USERS = 10_000;
/** Largest page of `GET /api/me/notifications`. */
const MAX_PAGE = 100;

const manySchema = {
  type: "object",
  required: ["title", "message"],
  additionalProperties: false,
  properties: {
    ...notificationProperties,
    users: { type: "array", minItems: 1, maxItems: MAX_USERS, items: { type: "string", minLength: 1, maxLength: 128 } },
    all: { type: "boolean" },
  },
} as const;

function inputOf(body: NotificationInput): NotificationInput {
  const input: NotificationInput = { title: body.title, message: body.message };
  if (body.type !== undefined) input.type = body.type;
  if (body.priority !== undefined) input.priority = body.priority;
  if (body.actionUrl !== undefined) input.actionUrl = body.actionUrl;
  if (body.data !== undefined) input.data = body.data;
  return input;
}

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

export function registerInboxRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard, inbox: Inbox): void {
  app.post<{ Params: { user: string }; Body: NotificationInput }>(
    "/api/users/:user/notifications",
    { schema: { body: oneSchema }, preHandler: guard },
    async (req, reply) => {
      Inbox.checkUser(req.params.user);
      const [notification] = await inbox.send([req.params.user], inputOf(req.body));
      reply.status(201);
      return { notification };
    },
  );

  app.post<{ Body: NotificationInput & { users?: string[]; all?: boolean } }>(
    "/api/notifications",
    { schema: { body: manySchema }, preHandler: guard },
    async (req, reply) => {
      const { users, all } = req.body;
      if ((users === undefined) === (all !== true)) {
        throw new HeraldError("bad_request", 'give either "users" (a list) or "all": true');
      }
      const stored = await inbox.send(all === true ? [EVERYONE] : (users as string[]), inputOf(req.body));
      reply.status(201);
      return { count: stored.length, ids: stored.map((n) => n.id), all: all === true };
    },
  );

  app.get<{ Querystring: { unread?: string; limit?: string; before?: string } }>(
    "/api/me/notifications",
    async (req) => {
      const user = await userOf(core, req);
      const { unread, limit, before } = req.query;
      if (unread !== undefined && unread !== "true" && unread !== "false") {
        throw new HeraldError("bad_request", '"unread" must be true or false');
      }
      if (limit !== undefined && !/^[1-9]\d*$/.test(limit)) {
        throw new HeraldError("bad_request", '"limit" must be a positive integer');
      }
      const pageSize = Math.min(limit === undefined ? 20 : Number(limit), MAX_PAGE);
      const query: Parameters<Inbox["list"]>[1] = { limit: pageSize, unread: unread === "true" };
      if (before !== undefined) query.before = before;
      const notifications = await inbox.list(user, query);
      const last = notifications[notifications.length - 1];
      return {
        notifications,
        unread: await inbox.unread(user),
        next: notifications.length === pageSize && last !== undefined ? last.id : null,
      };
    },
  );

  app.get("/api/me/notifications/unread-count", async (req) => {
    const user = await userOf(core, req);
    return { unread: await inbox.unread(user) };
  });

  app.post<{ Params: { id: string } }>("/api/me/notifications/:id/read", async (req) => {
    const user = await userOf(core, req);
    const unread = await inbox.markRead(user, req.params.id);
    return { id: req.params.id, read: true, unread };
  });

  app.post("/api/me/notifications/read-all", async (req) => {
    const user = await userOf(core, req);
    const marked = await inbox.markAllRead(user);
    return { marked, unread: await inbox.unread(user) };
  });
}
