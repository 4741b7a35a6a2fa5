/**
 * The `herald` command: serve | publish | tail | token | check-config | bench. Commands load
 * their modules when run, so `--help` and `--version` answer at once.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { VERSION } from "../version.js";
import { CliError, ExitCode, parseData, parsePort, parsePosition, UsageError } from "./args.js";
import { describeFailure } from "./failure.js";
import { COMMAND_HELP, USAGE } from "./help.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's arguments with `--help` understood by every command. */
function parse<O extends Options>(args: string[], options: O) {
  return parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
}

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

async function run(command: string, rest: string[], io: CliIo): Promise<number> {
  switch (command) {
    case "serve": {
      const { values, positionals } = parse(rest, {
        config: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        workers: { type: "string" },
      });
      if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`);
      const opts: { config?: string; port?: number; host?: string } = {};
      if (values.config) opts.config = values.config;
      if (values.port !== undefined) opts.port = parsePort(values.port);
      if (values.host) opts.host = values.host;
      const { serveWorkers } = await import("./workers.js");
      await serveWorkers(opts, values.workers);
      return -1; // keep running
    }
    case "publish": {
      const { values, positionals } = parse(rest, {
        url: { type: "string", default: process.env.HERALD_URL ?? "http://127.0.0.1:8080" },
        "api-key": { type: "string", default: process.env.HERALD_API_KEY },
        event: { type: "string" },
        id: { type: "string" },
        raw: { type: "boolean", default: false },
      });
      if (positionals.length !== 2) throw new UsageError("publish needs TOPIC and DATA");
      const data = parseData(positionals[1] as string, values.raw, "DATA");
      const { publish } = await import("./publish.js");
      return publish({
        url: values.url,
        apiKey: values["api-key"],
        topic: positionals[0] as string,
        data,
        event: values.event,
        id: values.id,
      });
    }
    case "tail": {
      const { values, positionals } = parse(rest, {
        url: { type: "string", default: process.env.HERALD_WS_URL ?? "ws://127.0.0.1:8080/ws" },
        token: { type: "string", default: process.env.HERALD_TOKEN },
        since: { type: "string" },
      });
      if (positionals.length !== 1) throw new UsageError("tail needs one TOPIC or PATTERN");
      const { tail } = await import("./tail.js");
      await tail({
        url: values.url,
        topic: positionals[0] as string,
        token: values.token,
        since: values.since ? parsePosition(values.since) : undefined,
        out: (line) => io.out(`${line}\n`),
        err: (line) => io.err(`${line}\n`),
      });
      return 0;
    }
    case "token": {
      const { values, positionals } = parse(rest, {
        secret: { type: "string" },
        ttl: { type: "string", default: "3600" },
        claim: { type: "string", multiple: true },
        config: { type: "string" },
      });
      if (positionals.length !== 1) throw new UsageError("token needs a USER");
      const { loadConfig } = await import("../config.js");
      const { mintToken } = await import("../auth/jwt.js");
      const secret = values.secret ?? loadConfig(values.config).auth.jwtSecret;
      if (!secret) throw new UsageError("no secret: pass --secret, or set HERALD_JWT_SECRET / auth.jwtSecret");
      const claims: Record<string, unknown> = {};
      for (const c of values.claim ?? []) {
        const i = c.indexOf("=");
        if (i <= 0) throw new UsageError(`--claim must be K=V, got "${c}"`);
        const v = c.slice(i + 1);
        // A claim value is JSON when it parses (numbers, lists), else the text itself (role=admin).
        claims[c.slice(0, i)] = (() => {
          try {
            return JSON.parse(v);
          } catch {
            return v;
          }
        })();
      }
      const ttl = Number(values.ttl);
      if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new UsageError("--ttl must be a positive integer");
      io.out(`${await mintToken(secret, positionals[0] as string, { ttlSeconds: ttl, claims })}\n`);
      return 0;
    }
    case "check-config": {
      const { positionals } = parse(rest, {});
      if (positionals.length !== 1) throw new UsageError("check-config needs one FILE");
      const { loadConfig } = await import("../config.js");
      loadConfig(positionals[0]);
      io.out(`${positionals[0]}: ok\n`);
      return 0;
    }
    case "bench": {
      const { values, positionals } = parse(rest, {
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
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/**
 * Runs the command line `argv` (without node and script); resolves with the exit code (-1: keep
 * running, `serve`). Never throws: failures are one line on `io.err` (docs/cli.md).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  const [command, ...rest] = args;
  if (command === "--version" || command === "-v" || command === "version") {
    io.out(`${VERSION}\n`);
    return ExitCode.ok;
  }
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    const topic = command === "help" ? rest[0] : undefined;
    io.out(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : USAGE);
    return command === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (COMMAND_HELP[command] && (rest.includes("--help") || rest.includes("-h"))) {
    io.out(COMMAND_HELP[command]);
    return ExitCode.ok;
  }
  try {
    return await run(command, rest, io);
  } catch (err) {
    const f = describeFailure(err);
    io.err(`herald: ${f.message}\n`);
    if (f.usage) io.err(`\n${COMMAND_HELP[command] ?? USAGE}`);
    if (debug && err instanceof Error && !(err instanceof CliError)) io.err(`${err.stack}\n`);
    return f.exitCode;
  }
}
