/** Usage texts of the `herald` command and of each subcommand (`herald <command> --help`). */

const ENV = "environment: HERALD_CONFIG, HERALD_PORT, HERALD_API_KEYS, HERALD_JWT_SECRET, ... (docs/configuration.md)";

/** Per-command usage, printed by `herald <command> --help` and after a usage error. */
export const COMMAND_HELP: Record<string, string> = {
  serve: `usage: herald serve [--config FILE] [--port N] [--host H] [--workers N|auto]

Runs the gateway until SIGTERM or SIGINT, then drains connections and exits 0.
  --config FILE    YAML or JSON configuration (else HERALD_CONFIG, else built-in defaults)
  --port N         listen port (default server.port, 8080)
  --host H         listen address (default server.host, 0.0.0.0)
  --workers N      N processes on one port (needs engine.type: redis); auto = one per core
                   with the Redis engine, else 1
${ENV}
`,
  publish: `usage: herald publish TOPIC DATA [--url URL] [--api-key KEY] [--event NAME] [--id ID] [--raw]

Publishes one event through the HTTP API and prints the server's answer.
  DATA             JSON ('{"price":1}', '"text"', 42); invalid JSON is refused unless --raw
  --raw            send DATA as a string as it is
  --url URL        gateway HTTP address (default HERALD_URL or http://127.0.0.1:8080)
  --api-key KEY    API key (default HERALD_API_KEY)
  --event NAME     event type name (default "message")
  --id ID          event id (idempotency key)
`,
  tail: `usage: herald tail TOPIC|PATTERN [--url WS_URL] [--token JWT] [--since EPOCH:N]

Prints events live as JSON lines (progress on stderr), reconnecting and resuming after a drop.
Exits 3 when the server refuses the connection (bad or missing token, Origin) or closes it
for good (a terminal close code).
  --url WS_URL     WebSocket address (default HERALD_WS_URL or ws://127.0.0.1:8080/ws)
  --token JWT      user token (default HERALD_TOKEN)
  --since EPOCH:N  resume from a position printed earlier
`,
  token: `usage: herald token USER [--secret S] [--ttl SECONDS] [--claim K=V ...] [--config FILE]

Mints a development HS256 JWT for USER and prints it.
  --secret S       signing secret (default auth.jwtSecret of --config / HERALD_JWT_SECRET)
  --ttl SECONDS    lifetime (default 3600)
  --claim K=V      extra claim; V is JSON when it parses, else a string (repeatable)
`,
  "check-config": `usage: herald check-config FILE

Validates a configuration file (with the environment applied) and prints "FILE: ok", or every
problem found and exits 78.
`,
  bench: `usage: herald bench [SCENARIO ...|list] [--server KIND,...] [--runs N] [--step-ms MS] [--json FILE]
                    [--no-pin] [--target WS_URL [--target-pid PID]]

Load-tests Herald beside raw ws / Socket.IO baselines (from a source checkout; see bench/README.md).
`,
};

/** The top-level usage. */
export const USAGE = `usage: herald <command> [options]

commands:
  serve          run the gateway
  publish        publish one event over HTTP
  tail           print events live as JSON lines
  token          mint a development HS256 JWT
  check-config   validate a configuration file
  bench          load-test Herald beside baselines

options: --help (also after a command), --version, --debug (stack traces on failure)
exit codes: 0 ok, 1 failed, 2 usage, 3 refused, 69 unavailable, 70 internal, 78 configuration (docs/cli.md)
${ENV}
`;
