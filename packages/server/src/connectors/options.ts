/**
 * Checks a connector's type-specific `options` against its JSON schema and fills the defaults
 * written in the schema, so every connector refuses a bad option at start with a precise line.
 */
import { Ajv, type ErrorObject } from "ajv";
import { ConfigError } from "../config-error.js";

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });

function line(where: string, e: ErrorObject): string {
  const at = `${where}.options${e.instancePath.replace(/\//g, ".")}`;
  if (e.keyword === "additionalProperties") {
    return `${at}: unknown option "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  return `${at} ${e.message ?? "is invalid"}`;
}

/** Validates a copy of `options` (defaults filled) or throws `ConfigError` naming the connector. */
export function checkOptions<T>(name: string, schema: object, options: Record<string, unknown>): T {
  const copy = structuredClone(options) as Record<string, unknown>;
  const validate = ajv.compile(schema);
  if (!validate(copy)) throw new ConfigError((validate.errors ?? []).map((e) => line(`connector "${name}"`, e)));
  return copy as T;
}
