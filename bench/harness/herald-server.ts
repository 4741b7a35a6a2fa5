/**
 * Herald as a bench server process: the real gateway (`createGateway`, in-memory broker,
 * anonymous clients). Default limits, except those a load test trips by design: the connection
 * cap, the per-IP connection and HTTP rates (every client comes from a few loopback addresses)
 * and the inbound frame rate (one publisher connection sends every event).
 */
import { createGateway } from "../../packages/server/src/gateway.js";
import { control, portArg } from "../baselines/control.js";

const gateway = createGateway({
  defaultMetrics: false,
  config: {
    log: { level: "silent" },
    limits: {
      maxConnections: 50_000,
      connectionsPerIpPerSecond: 0,
      httpRequestsPerSecond: 0,
      inboundFramesPerSecond: 0,
    },
    timeouts: { shutdownMs: 200 },
  },
});
const { port } = await gateway.listen({ port: portArg(), host: "127.0.0.1" });
control(port, () => gateway.close());
