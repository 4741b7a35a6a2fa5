/** `GET /api/topics/:topic/state`: a state topic's document and the seq it reflects. */
import { HeraldError } from "@herald/protocol";
import type { FastifyInstance } from "fastify";
import type { GatewayCore } from "../core.js";
import type { StateTopics } from "../state/state-topics.js";
import type { Guard } from "./auth.js";

export function registerStateRoutes(app: FastifyInstance, core: GatewayCore, guard: Guard, state: StateTopics): void {
  app.get<{ Params: { topic: string } }>("/api/topics/:topic/state", { preHandler: guard }, async (req) => {
    const { topic } = req.params;
    core.checkTopic(topic);
    const position = await core.engine.broker.position(topic);
    await state.ensure(topic, core.engine.broker);
    const snap = state.snapshot(topic);
    if (snap === undefined) throw new HeraldError("not_found", `"${topic}" is not a state topic`);
    return { topic, epoch: snap.epoch ?? position.epoch, seq: snap.seq, state: snap.state, clocks: snap.clocks };
  });
}
