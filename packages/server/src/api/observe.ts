/**
 * Watches every HTTP API request once it is answered: a duration histogram by method, route
 * template and status (templates, not paths, so topic names cannot blow up the label set),
 * and, with `log.accessLog`, one info line per request.
 */
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";

export function registerRequestObservers(app: FastifyInstance, core: GatewayCore): void {
  const access = core.config.log.accessLog;
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const seconds = reply.elapsedTime / 1000;
    core.metrics.httpRequests.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    if (access) {
      core.log.info(
        {
          method: req.method,
          path: req.url,
          route,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          ip: req.ip,
        },
        "http request",
      );
    }
  });
}
