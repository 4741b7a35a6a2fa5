/**
 * Optional protection of `GET /metrics` (`metrics.apiKey`): metrics reveal connection counts,
 * topics' traffic and error rates, which a public endpoint should not. The key is compared in
 * constant time, like API keys.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { HeraldConfig } from "../config.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

export function registerMetricsGuard(app: FastifyInstance, config: Pick<HeraldConfig, "metrics">): void {
  const key = config.metrics.apiKey;
  if (key === undefined) return;
  const expected = digest(key);
  app.addHook("onRequest", async (req, reply) => {
    if (req.routeOptions.url !== "/metrics") return;
    const header = req.headers["x-api-key"];
    const auth = req.headers.authorization;
    const given = typeof header === "string" ? header : auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    return reply.status(401).send({ code: "unauthorized", error: "GET /metrics needs metrics.apiKey" });
  });
}
