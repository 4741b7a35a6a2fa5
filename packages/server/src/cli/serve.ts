/** `herald serve`: runs the gateway until SIGTERM/SIGINT, then shuts down gracefully. */
import { loadConfig } from "../config.js";
import { createGateway } from "../gateway.js";
import { createLogger } from "../log.js";

export async function serve(options: { config?: string; port?: number; host?: string }): Promise<void> {
  const config = loadConfig(options.config);
  const gateway = createGateway({ config });
  const listenOptions: { port?: number; host?: string } = {};
  if (options.port !== undefined) listenOptions.port = options.port;
  if (options.host !== undefined) listenOptions.host = options.host;
  // Signals are handled before the listening line is printed: a supervisor that reads it and
  // sends SIGTERM at once must get a graceful exit, not the default kill.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.log.info({ signal }, "shutting down");
    // A shutdown that hangs (a stuck store, a connection that never closes) must not keep the
    // process alive: a supervisor sent SIGTERM and expects an exit.
    setTimeout(() => {
      gateway.log.error({ signal }, "shutdown took too long; exiting");
      process.exit(1);
    }, config.timeouts.shutdownMs + 10_000).unref();
    gateway.close().then(
      () => process.exit(0),
      (err) => {
        gateway.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // A stray rejected promise must not take every connection down with it: log it, keep serving.
  process.on("unhandledRejection", (err) => gateway.log.error({ err }, "unhandled promise rejection"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  const { url } = await gateway.listen(listenOptions);
  if (config.auth.apiKeys.length === 0) {
    gateway.log.warn("no API keys configured: the HTTP API is open to anyone who can reach it");
  }
  // Always printed, whatever log.level says (supervisors and scripts read the port from it),
  // and as JSON like every other line.
  const ws = `${url.replace("http", "ws")}${config.server.wsPath}`;
  const banner = createLogger("info");
  banner.setBindings({ node: gateway.core.engine.cluster.nodeId });
  banner.info(
    { url, ws, version: gateway.core.version },
    `herald ${gateway.core.version} listening on ${url} (WebSocket ${ws})`,
  );
}
