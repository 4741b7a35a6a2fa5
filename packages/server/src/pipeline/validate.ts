/**
 * The `validate` stage: JSON Schema per event type or topic pattern, compiled once at start.
 *
 * A request is checked against the schema of its event type when one is configured under that
 * exact name, else against the first configured topic pattern its topic matches (in the order
 * written); events with neither pass unchecked. A failure is refused with `invalid_event`
 * naming the first failing path, and counted per type (`rejected`).
 */
import { readFileSync } from "node:fs";
import { HeraldError, patternProblem, topicMatches } from "@herald/protocol";
import { Ajv, type ValidateFunction } from "ajv";
import type { PublishRequest } from "../engine/broker.js";
import type { Stage } from "./stage.js";

export interface ValidateOptions {
  stage: "validate";
  /**
   * Schemas by event type name or topic pattern: a JSON Schema object, or a path to a JSON file
   * holding one (relative to the working directory).
   */
  schemas: Record<string, Record<string, unknown> | string>;
}

function load(schema: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof schema !== "string") return schema;
  try {
    return JSON.parse(readFileSync(schema, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot read schema file ${schema}: ${(err as Error).message}`);
  }
}

export class ValidateStage implements Stage {
  readonly name = "validate";
  private readonly byEvent = new Map<string, ValidateFunction>();
  private readonly byPattern: Array<[string, ValidateFunction]> = [];
  /** Refused events per event type. */
  readonly rejected = new Map<string, number>();

  /** Compiles every schema; throws an `Error` naming the one that does not compile. */
  constructor(options: ValidateOptions) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    for (const [key, raw] of Object.entries(options.schemas)) {
      let fn: ValidateFunction;
      try {
        fn = ajv.compile(load(raw));
      } catch (err) {
        throw new Error(`schema "${key}": ${(err as Error).message}`);
      }
      // A key with a wildcard, or a dotted name that is a valid pattern, is also tried as a topic
      // pattern; every key is tried first as an event type name.
      this.byEvent.set(key, fn);
      if (patternProblem(key) === undefined) this.byPattern.push([key, fn]);
    }
  }

  run(request: PublishRequest): PublishRequest {
    const type = request.event ?? "message";
    let fn = this.byEvent.get(type);
    let under = type;
    if (fn === undefined) {
      for (const [pattern, f] of this.byPattern) {
        if (topicMatches(pattern, request.topic)) {
          fn = f;
          under = pattern;
          break;
        }
      }
    }
    if (fn === undefined || fn(request.data)) return request;
    this.rejected.set(type, (this.rejected.get(type) ?? 0) + 1);
    const e = fn.errors?.[0];
    const path = `data${(e?.instancePath ?? "").replace(/\//g, ".")}`;
    throw new HeraldError("invalid_event", `${path} ${e?.message ?? "is invalid"} (schema "${under}")`, {
      details: { stage: this.name, path, type },
    });
  }
}
