/** The routes of the compute parts a gateway runs: aggregations, alert rules, analysis sessions. */
import type { FastifyInstance } from "fastify";
import type { Compute } from "../compute/compute.js";
import type { GatewayCore } from "../core.js";
import { registerAggregationRoutes } from "./aggregations.js";
import { registerAlertRoutes } from "./alerts.js";
import type { Guard } from "./auth.js";
import { registerStreamRoutes } from "./streams.js";

export function registerComputeRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard, compute: Compute): void {
  const { aggregations, alerts, streams } = compute.parts;
  if (aggregations !== undefined) registerAggregationRoutes(app, guard, aggregations);
  if (alerts !== undefined) registerAlertRoutes(app, guard, alerts, compute.deadLetters);
  if (streams !== undefined) registerStreamRoutes(app, core, core.config.streams, streams, guard);
}
