/**
 * Herald as a bench server process: the real gateway (`createGateway`, in-memory broker,
 * anonymous clients, default limits except the connection cap the scenarios need).
 */
import { createGateway } from "../../packages/server/src/gateway.js";
import { control, portArg } from "../baselines/control.js";

const gateway = createGateway({
  defaultMetrics: false,
  config: {
    log: { level: "silent" },
    limits: { maxConnections: 50_000 },
    timeouts: { shutdownMs: 200 },
  },
});
const { port } = await gateway.listen({ port: portArg(), host: "127.0.0.1" });
control(port, () => gateway.close());
