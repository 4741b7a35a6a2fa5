/**
 * Herald as a bench server process: the real gateway (`createGateway`, in-memory broker,
 * anonymous clients). Default limits, except those a load test trips by design: the connection
 * cap, the per-IP connection and HTTP rates (every client comes from a few loopback addresses)
 * the inbound frame rate and the per-IP publish budget (one publisher connection sends every
 * event).
 *
 * With `durable` as the second argument, the `bench` namespace (every bench topic) is durable:
 * each event is committed to a fresh SQLite store before it is delivered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HeraldConfigInput } from "../../packages/server/src/config.js";
import { createGateway } from "../../packages/server/src/gateway.js";
import { control, portArg } from "../baselines/control.js";

const durable = process.argv[3] === "durable";
/** `deflate`: the native endpoint offers permessage-deflate (default `compression` terms). */
const deflate = process.argv[3] === "deflate";
const dir = durable ? mkdtempSync(join(tmpdir(), "herald-bench-")) : undefined;
const config: HeraldConfigInput = {
  log: { level: "silent" },
  limits: {
    maxConnections: 50_000,
    connectionsPerIpPerSecond: 0,
    httpRequestsPerSecond: 0,
    inboundFramesPerSecond: 0,
  },
  publishBudget: { perIpPerSecond: 0, perIpBurst: 1, perUserPerSecond: 0, perUserBurst: 1 },
  // The bench's publisher connects without a token.
  auth: { anonymousPublish: true },
  timeouts: { shutdownMs: 200 },
};
if (deflate) config.server = { compression: true };
if (dir !== undefined) {
  config.namespaces = [{ prefix: "" }, { prefix: "bench", durable: true }];
  config.store = { type: "sqlite", path: join(dir, "herald.db") };
}
const gateway = createGateway({ defaultMetrics: false, config });
const { port } = await gateway.listen({ port: portArg(), host: "127.0.0.1" });
control(port, async () => {
  await gateway.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});
