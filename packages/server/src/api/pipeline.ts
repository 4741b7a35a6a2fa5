/**
 * `GET /api/pipeline`: what each configured pipeline stage did on this node — events passed and
 * refused, refusals by code (docs/pipeline.md). API key or admin token; the dashboard's Pipeline
 * view reads it.
 */
import type { FastifyInstance } from "fastify";
import type { StageCounts } from "../pipeline/stage-counts.js";
import type { Guard } from "./auth.js";

const stageSchema = {
  type: "object",
  required: ["namespace", "index", "stage", "passed", "refused", "codes"],
  properties: {
    namespace: { type: "string" },
    index: { type: "integer" },
    stage: { type: "string" },
    passed: { type: "integer" },
    refused: { type: "integer" },
    codes: { type: "object", additionalProperties: { type: "integer" } },
  },
} as const;

export function registerPipelineRoutes(app: FastifyInstance, counts: StageCounts, guard: Guard): void {
  app.get(
    "/api/pipeline",
    {
      schema: {
        response: {
          200: { type: "object", required: ["stages"], properties: { stages: { type: "array", items: stageSchema } } },
        },
      },
      preHandler: guard,
    },
    async () => ({ stages: counts.list() }),
  );
}
