/** The `herald` command: serve | publish | tail | token | bench. */
import { parseArgs } from "node:util";
import { mintToken } from "../auth/jwt.js";
import { ConfigError, loadConfig } from "../config.js";
import { parseData, parsePosition, UsageError } from "./args.js";

const USAGE = `usage: herald <command> [options]

  serve [--config FILE] [--port N] [--host H] [--workers N|auto]
                                                   run the gateway (N processes on one port; auto
                                                   = one per core with the Redis engine, else 1)
  publish TOPIC JSON [--url URL] [--api-key KEY] [--event NAME] [--id ID]
                                                   publish one event over HTTP
  tail TOPIC|PATTERN [--url WS_URL] [--token JWT] [--since EPOCH:N]
                                                   print events live as JSON lines
  token USER [--secret S] [--ttl SECONDS] [--claim K=V ...] [--config FILE]
                                                   mint a development HS256 JWT
  bench [SCENARIO ...|list] [--server KIND,...] [--runs N] [--step-ms MS] [--json FILE]
        [--no-pin] [--target WS_URL [--target-pid PID]]
                                                   load-test Herald beside raw ws / Socket.IO baselines

environment: HERALD_CONFIG, HERALD_PORT, HERALD_API_KEYS, HERALD_JWT_SECRET, ... (docs/configuration.md)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve": {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: "string" },
          port: { type: "string" },
          host: { type: "string" },
          workers: { type: "string" },
        },
      });
      const { serveWorkers } = await import("./workers.js");
      const opts: { config?: string; port?: number; host?: string } = {};
      if (values.config) opts.config = values.config;
      if (values.port) opts.port = Number(values.port);
      if (values.host) opts.host = values.host;
      await serveWorkers(opts, values.workers);
      return -1; // keep running
    }
    case "publish": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          url: { type: "string", default: process.env.HERALD_URL ?? "http://127.0.0.1:8080" },
          "api-key": { type: "string", default: process.env.HERALD_API_KEY },
          event: { type: "string" },
          id: { type: "string" },
        },
      });
      if (positionals.length !== 2) throw new UsageError("publish needs TOPIC and JSON");
      const { publish } = await import("./publish.js");
      return publish({
        url: values.url,
        apiKey: values["api-key"],
        topic: positionals[0] as string,
        data: parseData(positionals[1] as string),
        event: values.event,
        id: values.id,
      });
    }
    case "tail": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          url: { type: "string", default: process.env.HERALD_WS_URL ?? "ws://127.0.0.1:8080/ws" },
          token: { type: "string", default: process.env.HERALD_TOKEN },
          since: { type: "string" },
        },
      });
      if (positionals.length !== 1) throw new UsageError("tail needs one TOPIC or PATTERN");
      const { tail } = await import("./tail.js");
      await tail({
        url: values.url,
        topic: positionals[0] as string,
        token: values.token,
        since: values.since ? parsePosition(values.since) : undefined,
      });
      return 0;
    }
    case "token": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          secret: { type: "string" },
          ttl: { type: "string", default: "3600" },
          claim: { type: "string", multiple: true },
          config: { type: "string" },
        },
      });
      if (positionals.length !== 1) throw new UsageError("token needs a USER");
      const secret = values.secret ?? loadConfig(values.config).auth.jwtSecret;
      if (!secret) throw new UsageError("no secret: pass --secret, or set HERALD_JWT_SECRET / auth.jwtSecret");
      const claims: Record<string, unknown> = {};
      for (const c of values.claim ?? []) {
        const i = c.indexOf("=");
        if (i <= 0) throw new UsageError(`--claim must be K=V, got "${c}"`);
        claims[c.slice(0, i)] = parseData(c.slice(i + 1));
      }
      const ttl = Number(values.ttl);
      if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new UsageError("--ttl must be a positive integer");
      process.stdout.write(`${await mintToken(secret, positionals[0] as string, { ttlSeconds: ttl, claims })}\n`);
      return 0;
    }
    case "bench": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          server: { type: "string", multiple: true },
          runs: { type: "string" },
          "step-ms": { type: "string" },
          "drain-ms": { type: "string" },
          payload: { type: "string" },
          json: { type: "string" },
          "cpu-prof": { type: "string" },
          target: { type: "string" },
          "target-pid": { type: "string" },
          "no-pin": { type: "boolean", default: false },
        },
      });
      const { bench } = await import("./bench.js");
      return bench({
        scenarios: positionals,
        servers: values.server,
        runs: values.runs,
        stepMs: values["step-ms"],
        drainMs: values["drain-ms"],
        payload: values.payload,
        json: values.json,
        cpuProf: values["cpu-prof"],
        target: values.target,
        targetPid: values["target-pid"],
        pin: !values["no-pin"],
      });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`herald: ${(err as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      process.exitCode = 78;
    } else {
      process.stderr.write(`herald: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
