/**
 * Configuration of connectors (`connectors[]`) and its checks. Kept apart from the connectors
 * themselves so the config module validates names and types without loading any client library.
 */
import { topicProblem } from "@herald/protocol";
import { CONNECTOR_TYPE_NAMES } from "./connector-types.js";

/** One configured connector (config `connectors[]`). */
export interface ConnectorConfig {
  /** The connector type: see `registry.ts` and docs/connectors.md. */
  type: string;
  /** Unique name: the `source` of every event, the metrics label, the checkpoint key. */
  name: string;
  /** A required connector that is not running makes `/readyz` answer 503. @default true */
  required: boolean;
  /** Topic prefix every mapped topic is placed under (`""`: none). @default "" */
  namespace: string;
  /**
   * Topic template: `{field}` is replaced by a field of the source message (see each
   * connector's fields in docs/connectors.md); dotted paths read inside (`{data.region}`).
   * Absent: the connector's own default (stream, subject, MQTT topic, table…).
   */
  topic?: string;
  /** Event type template. @default "message" */
  event: string;
  /**
   * Event id template. Absent: `{name}:{source identity}` (stream entry id, JetStream sequence,
   * LSN…), which makes a redelivery a duplicate.
   */
  id?: string;
  /** Offers pending at once; the source is not read further beyond it. @default 64 */
  maxInFlight: number;
  /** Reconnect backoff: first delay and cap, milliseconds, with full jitter. @default {initialMs: 200, maxMs: 30000} */
  reconnect: { initialMs: number; maxMs: number };
  /** Type-specific options, checked when the connector is built (docs/connectors.md). @default {} */
  options: Record<string, unknown>;
}

/** The defaults every `connectors[]` entry is merged over. */
export const CONNECTOR_DEFAULTS: Omit<ConnectorConfig, "type" | "name"> = {
  required: true,
  namespace: "",
  event: "message",
  maxInFlight: 64,
  reconnect: { initialMs: 200, maxMs: 30_000 },
  options: {},
};

/** JSON schema of one `connectors[]` entry after defaults. */
export const connectorSchema = {
  type: "object",
  additionalProperties: false,
  required: ["type", "name", "required", "namespace", "event", "maxInFlight", "reconnect", "options"],
  properties: {
    type: { type: "string", minLength: 1 },
    name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
    required: { type: "boolean" },
    namespace: { type: "string", maxLength: 255 },
    topic: { type: "string", minLength: 1, maxLength: 1024 },
    event: { type: "string", minLength: 1, maxLength: 1024 },
    id: { type: "string", minLength: 1, maxLength: 1024 },
    maxInFlight: { type: "integer", minimum: 1, maximum: 100_000 },
    reconnect: {
      type: "object",
      additionalProperties: false,
      required: ["initialMs", "maxMs"],
      properties: {
        initialMs: { type: "integer", minimum: 1, maximum: 3_600_000 },
        maxMs: { type: "integer", minimum: 1, maximum: 3_600_000 },
      },
    },
    options: { type: "object" },
  },
} as const;

/** Merges one raw entry over the defaults (before schema validation). */
export function withConnectorDefaults(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const entry = raw as Record<string, unknown>;
  const reconnect = typeof entry.reconnect === "object" && entry.reconnect !== null ? entry.reconnect : {};
  return { ...CONNECTOR_DEFAULTS, ...entry, reconnect: { ...CONNECTOR_DEFAULTS.reconnect, ...reconnect } };
}

/** Checks configured connectors; returns one line per problem (used at config validation). */
export function connectorProblems(connectors: readonly ConnectorConfig[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  connectors.forEach((c, i) => {
    const where = `config.connectors[${i}]`;
    if (!(CONNECTOR_TYPE_NAMES as readonly string[]).includes(c.type)) {
      problems.push(`${where}.type "${c.type}" is not a connector type (${CONNECTOR_TYPE_NAMES.join(", ")})`);
    }
    if (seen.has(c.name)) problems.push(`${where}.name "${c.name}" is declared twice`);
    seen.add(c.name);
    if (c.namespace !== "" && topicProblem(c.namespace) !== undefined) {
      problems.push(`${where}.namespace "${c.namespace}": ${topicProblem(c.namespace)}`);
    }
    if (c.reconnect.initialMs > c.reconnect.maxMs) {
      problems.push(`${where}.reconnect.initialMs must not exceed reconnect.maxMs`);
    }
  });
  return problems;
}
